package io.zerogate.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SpiffeIdTest {

    @Test
    void parsesTrustDomainAndPath() {
        SpiffeId id = SpiffeId.parse("spiffe://example.org/ns/prod/sa/web");
        assertThat(id.trustDomain()).isEqualTo("example.org");
        assertThat(id.path()).isEqualTo("/ns/prod/sa/web");
        assertThat(id).hasToString("spiffe://example.org/ns/prod/sa/web");
        assertThat(SpiffeId.parse("spiffe://example.org").path()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "http://example.org/a", "SPIFFE://example.org/a", "spiffe:///a", "spiffe://Example.org/a",
            "spiffe://example.org:8080/a", "spiffe://user@example.org/a", "spiffe://example.org/a/",
            "spiffe://example.org//a", "spiffe://example.org/./a", "spiffe://example.org/a/..",
            "spiffe://example.org/a?x=1", "spiffe://example.org/a#f", "spiffe://example.org/a%2Fb", "spiffe://example.org/a b"})
    void refusesWhatTheStandardForbids(String text) {
        assertThatIllegalArgumentException().isThrownBy(() -> SpiffeId.parse(text));
    }

    @ParameterizedTest
    @CsvSource({
            "spiffe://example.org/checkout, spiffe://example.org/checkout, true",
            "spiffe://example.org/checkout, spiffe://example.org/checkout2, false",
            "spiffe://example.org/ns/*/sa/web, spiffe://example.org/ns/prod/sa/web, true",
            "spiffe://example.org/ns/*/sa/web, spiffe://example.org/ns/prod/x/sa/web, false",
            "spiffe://example.org/ns/prod/**, spiffe://example.org/ns/prod/sa/web, true",
            "spiffe://example.org/ns/prod/**, spiffe://example.org/ns/prod, false",
            "spiffe://example.org/ns/prod/**, spiffe://other.org/ns/prod/sa, false",
            "spiffe://example.org/*, spiffe://example.org/a, true",
            "spiffe://example.org/*, spiffe://example.org/a/b, false"})
    void patternsMatchWholeSegments(String pattern, String id, boolean expected) {
        assertThat(SpiffeIdPattern.parse(pattern).matches(SpiffeId.parse(id))).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"spiffe://example.org/a*", "spiffe://example.org/**/a", "spiffe://*/a", "example.org/a"})
    void refusesPartialGlobs(String pattern) {
        assertThatIllegalArgumentException().isThrownBy(() -> SpiffeIdPattern.parse(pattern));
    }
}
