package io.zerogate.identity.dpop;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HttpUriTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "https://api.example.com/a/b          | https://api.example.com/a/b",
            "HTTPS://API.EXAMPLE.COM/a/B          | https://api.example.com/a/B",
            "https://api.example.com:443/a        | https://api.example.com/a",
            "http://api.example.com:80/a          | http://api.example.com/a",
            "http://api.example.com:443/a         | http://api.example.com:443/a",
            "https://api.example.com:08443/a      | https://api.example.com:8443/a",
            "https://api.example.com:/a           | https://api.example.com/a",
            "https://api.example.com              | https://api.example.com/",
            "https://api.example.com?q            | https://api.example.com/",
            "https://api.example.com/a?q=1#f      | https://api.example.com/a",
            "https://api.example.com/a#f?q        | https://api.example.com/a",
            "https://api.example.com/%7euser/%41  | https://api.example.com/~user/A",
            "https://api.example.com/a%2fb/%e2%82 | https://api.example.com/a%2Fb/%E2%82",
            "https://api.example.com/a;b=c/@:!$'  | https://api.example.com/a;b=c/@:!$'",
            "https://[2001:DB8::1]:443/a          | https://[2001:db8::1]/a",
            "https://[::1]:8443/a                 | https://[::1]:8443/a",
            "https://127.0.0.1/a                  | https://127.0.0.1/a",
    })
    void normalises(String uri, String normal) {
        assertThat(HttpUri.normalise(uri)).isEqualTo(normal);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "", "/a", "api.example.com/a", "//api.example.com/a", "ftp://api.example.com/a", "https:/api.example.com/a",
            "https://", "https:///a", "https://:443/a", "https://user@api.example.com/a", "https://u:p@api.example.com/a",
            "https://api.example.com:65536/a", "https://api.example.com:123456/a", "https://api.example.com:x/a",
            "https://api.example.com:-1/a", "https://api.exa mple.com/a", "https://api.example.com/a b",
            "https://api.example.com/ä", "https://bücher.example/a", "https://api.example.com/%zz",
            "https://api.example.com/%4", "https://api.example.com/a\\b", "https://[::1/a", "https://[::1]x/a",
            "https://[]/a", "https://[v1.x]/a", "https://[::1%25eth0]/a", "https://api.example.com/a\u0000",
            "https://api%2eexample.com/a", "https://api.example.com/a|b",
    })
    void refuses(String uri) {
        assertThat(HttpUri.normalise(uri)).isNull();
    }
}
