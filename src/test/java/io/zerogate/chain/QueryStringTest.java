package io.zerogate.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class QueryStringTest {

    @Test
    void valuesAreFoundByTheirDecodedName() {
        assertThat(QueryString.values("a=1&key=zg_x&b=2", "key")).containsExactly("zg_x");
        assertThat(QueryString.values("k%65y=one&key=two", "key")).containsExactly("one", "two");
        assertThat(QueryString.values("key&key=", "key")).containsExactly("", "");
        assertThat(QueryString.values("key=a%2Bb+c", "key")).containsExactly("a+b c");
        assertThat(QueryString.values("keys=1&akey=2", "key")).isEmpty();
        assertThat(QueryString.values(null, "key")).isEmpty();
        assertThat(QueryString.values("", "key")).isEmpty();
        assertThat(QueryString.values("key=%zz", "key")).containsExactly("%zz");
    }

    @Test
    void removedParametersLeaveTheRestAsWritten() {
        assertThat(QueryString.without("a=1&key=secret&b=%41", List.of("key"))).isEqualTo("a=1&b=%41");
        assertThat(QueryString.without("k%65y=secret&key=again&x", List.of("key"))).isEqualTo("x");
        assertThat(QueryString.without("key=secret", List.of("key"))).isEmpty();
        assertThat(QueryString.without("&&a=1&&", List.of("key"))).isEqualTo("a=1");
        assertThat(QueryString.without("keys=1&key2=2", List.of("key"))).isEqualTo("keys=1&key2=2");
    }

    @Test
    void firstValuesKeepTheFirstOfEachDecodedNameInNameOrder() {
        assertThat(QueryString.firstValues("b=2&k%65y=one&key=two&&a&c=%zz"))
                .containsExactly(java.util.Map.entry("a", ""), java.util.Map.entry("b", "2"),
                        java.util.Map.entry("c", "%zz"), java.util.Map.entry("key", "one"));
        assertThat(QueryString.firstValues(null)).isEmpty();
        assertThat(QueryString.firstValues("&&")).isEmpty();
    }
}
