package io.zerogate.identity.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class JwksHttpTest {

    @Test
    void maxAgeIsReadFromCacheControl() {
        assertThat(JwksHttp.maxAge(List.of())).isNull();
        assertThat(JwksHttp.maxAge(List.of("public"))).isNull();
        assertThat(JwksHttp.maxAge(List.of("max-age=300"))).isEqualTo(Duration.ofSeconds(300));
        assertThat(JwksHttp.maxAge(List.of("public, MAX-AGE=60 , must-revalidate"))).isEqualTo(Duration.ofSeconds(60));
        assertThat(JwksHttp.maxAge(List.of("public", "max-age=\"90\""))).isEqualTo(Duration.ofSeconds(90));
        assertThat(JwksHttp.maxAge(List.of("max-age=0"))).isEqualTo(Duration.ZERO);
    }

    @Test
    void refusalToCacheWins() {
        assertThat(JwksHttp.maxAge(List.of("no-cache, max-age=300"))).isEqualTo(Duration.ZERO);
        assertThat(JwksHttp.maxAge(List.of("max-age=300", "no-store"))).isEqualTo(Duration.ZERO);
    }

    @Test
    void unusableValuesAreIgnored() {
        assertThat(JwksHttp.maxAge(List.of("max-age=-1"))).isNull();
        assertThat(JwksHttp.maxAge(List.of("max-age="))).isNull();
        assertThat(JwksHttp.maxAge(List.of("max-age=1e3"))).isNull();
        assertThat(JwksHttp.maxAge(List.of("max-age=99999999999999999999999"))).isNull();
        assertThat(JwksHttp.maxAge(List.of("s-maxage=60"))).isNull();
    }
}
