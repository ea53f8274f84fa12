package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NettyRequestHeadTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "/orders/1 | /orders/1",
            "/orders//1?x=1 | /orders//1",
            "/a/../b#frag | /a/../b",
            "/p%2Fq?z | /p%2Fq",
            "http://example.com/x/./y?q=1 | /x/./y",
            "https://example.com:8443/ | /",
            "http://example.com | /",
            "http://example.com?q | /"})
    void theRawPathIsTheTargetsPathAsSent(String target, String rawPath) {
        NettyRequestHead head = new NettyRequestHead("GET", "http", "example.com", "/normalised", null,
                new DefaultHttpHeaders(), target);
        assertThat(head.rawPath()).isEqualTo(rawPath);
        assertThat(head.path()).isEqualTo("/normalised");
    }
}
