package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class HopByHopTest {

    private static List<String> names(HttpHeaders headers) {
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, String> field : headers) {
            names.add(field.getKey());
        }
        return names;
    }

    @ParameterizedTest
    @ValueSource(strings = {"Connection", "connection", "Keep-Alive", "KEEP-ALIVE", "Proxy-Connection", "TE", "te", "Trailer",
            "Proxy-Authorization", "proxy-authenticate", "Upgrade"})
    void eachHopByHopFieldIsRemovedInAnyCase(String name) {
        HttpHeaders h = new DefaultHttpHeaders().add("Host", "a").add(name, "x").add("X-Keep", "1");
        HopByHop.strip(h, false);
        assertThat(names(h)).containsExactly("Host", "X-Keep");
    }

    @Test
    void fieldsNamedInConnectionGoButFramingAndHostStay() {
        HttpHeaders h = new DefaultHttpHeaders().add("Host", "a").add("Content-Length", "2").add("X-Secret", "s")
                .add("X-Other", "o").add("Connection", "x-secret, Content-Length, host , keep-alive");
        HopByHop.strip(h, false);
        assertThat(names(h)).containsExactly("Host", "Content-Length", "X-Other");
    }

    @Test
    void nothingHopByHopLeavesTheFieldsAsTheyAre() {
        HttpHeaders h = new DefaultHttpHeaders().add("Host", "a").add("Tf", "1").add("Connections", "2").add("Upgrade-X", "3")
                .add("Proxy-Authorizatio", "4").add("X-Te", "5");
        HopByHop.strip(h, false);
        assertThat(names(h)).containsExactly("Host", "Tf", "Connections", "Upgrade-X", "Proxy-Authorizatio", "X-Te");
    }

    @Test
    void upgradeStaysForAProtocolSwitch() {
        HttpHeaders h = new DefaultHttpHeaders().add("Upgrade", "websocket").add("Connection", "Upgrade").add("TE", "trailers");
        HopByHop.strip(h, true);
        assertThat(names(h)).containsExactly("Upgrade");
    }
}
