package io.zerogate.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.config.LimitConfig.KeyPart;
import io.zerogate.identity.Authentication;
import io.zerogate.identity.Subject;
import io.zerogate.identity.TokenBinding;
import io.zerogate.policy.cel.Expression;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** How a limit's key is read: bounded whatever the client sends, distinct per value, never escaped by leaving a part out. */
class LimitKeyTest {

    private record Caller(@Nullable Subject subject, InetAddress address, Map<String, List<String>> headers, String routeId)
            implements LimitKey.Source {
        @Override
        public List<String> header(String lowerCaseName) {
            return headers.getOrDefault(lowerCaseName, List.of());
        }

        @Override
        public io.zerogate.chain.@Nullable Exchange exchange() {
            return null;
        }
    }

    private static Caller at(String ip) throws Exception {
        return new Caller(null, InetAddress.getByName(ip), Map.of(), "r");
    }

    private static Caller with(Subject subject) throws Exception {
        return new Caller(subject, InetAddress.getByName("192.0.2.1"), Map.of(), "r");
    }

    private static Subject user(String id, @Nullable String issuer, Map<String, Object> claims) {
        return new Subject(id, Subject.Kind.USER, issuer, Set.of(), Set.of(), claims, Authentication.NONE, TokenBinding.NONE);
    }

    private static String hash(List<KeyPart> parts, LimitKey.Source source) {
        List<@Nullable Expression> none = new ArrayList<>(Arrays.asList(new Expression[parts.size()]));
        return LimitKey.compile(parts, none).hash(source);
    }

    @Test
    void aKeyIsShortWhateverTheClientSends() throws Exception {
        String huge = "x".repeat(8192);
        Caller c = new Caller(null, InetAddress.getByName("192.0.2.1"), Map.of("x-tenant", List.of(huge, huge)), "r");
        String key = hash(List.of(new KeyPart.Header("x-tenant"), new KeyPart.Route()), c);
        assertThat(key).hasSize(22).matches("[A-Za-z0-9_-]+");
    }

    @Test
    void partsCannotRunIntoEachOther() throws Exception {
        List<KeyPart> twoHeaders = List.of(new KeyPart.Header("a"), new KeyPart.Header("b"));
        Caller one = new Caller(null, InetAddress.getByName("192.0.2.1"), Map.of("a", List.of("xy"), "b", List.of("z")), "r");
        Caller two = new Caller(null, InetAddress.getByName("192.0.2.1"), Map.of("a", List.of("x"), "b", List.of("yz")), "r");
        assertThat(hash(twoHeaders, one)).isNotEqualTo(hash(twoHeaders, two));
    }

    @Test
    void addressesAreCutToTheirNetwork() throws Exception {
        List<KeyPart> perNetwork = List.of(new KeyPart.ClientIp(24, 64));
        assertThat(hash(perNetwork, at("203.0.113.7"))).isEqualTo(hash(perNetwork, at("203.0.113.200")));
        assertThat(hash(perNetwork, at("203.0.113.7"))).isNotEqualTo(hash(perNetwork, at("203.0.114.7")));
        assertThat(hash(perNetwork, at("2001:db8:1:2::1"))).isEqualTo(hash(perNetwork, at("2001:db8:1:2:ffff::9")));
        assertThat(hash(perNetwork, at("2001:db8:1:2::1"))).isNotEqualTo(hash(perNetwork, at("2001:db8:1:3::1")));
        List<KeyPart> perAddress = List.of(new KeyPart.ClientIp(32, 128));
        assertThat(hash(perAddress, at("203.0.113.7"))).isNotEqualTo(hash(perAddress, at("203.0.113.8")));
        assertThat(LimitKey.address(InetAddress.getByName("203.0.113.77"), 20, 64)).isEqualTo("ip:203.0.112.0/20");
        assertThat(LimitKey.address(InetAddress.getByName("2001:db8:abcd:12ff::1"), 32, 52)).isEqualTo("ip:2001:db8:abcd:1000:0:0:0:0/52");
    }

    @Test
    void aMissingPartFallsBackToTheClientAddress() throws Exception {
        List<KeyPart> perSubject = List.of(new KeyPart.Subject());
        List<KeyPart> perAddress = List.of(new KeyPart.ClientIp(32, 128));
        // Anonymous callers are counted per address, not all together and not at all.
        assertThat(hash(perSubject, at("192.0.2.1"))).isEqualTo(hash(perAddress, at("192.0.2.1")));
        assertThat(hash(perSubject, at("192.0.2.1"))).isNotEqualTo(hash(perSubject, at("192.0.2.2")));
        assertThat(hash(List.of(new KeyPart.ApiKey()), at("192.0.2.1"))).isEqualTo(hash(perAddress, at("192.0.2.1")));
        // A subject is the same caller from any address; the same id from two issuers is two callers.
        Subject alice = user("alice", "corp", Map.of());
        assertThat(hash(perSubject, with(alice))).isNotEqualTo(hash(perSubject, at("192.0.2.1")));
        assertThat(hash(perSubject, with(alice))).isNotEqualTo(hash(perSubject, with(user("alice", "partners", Map.of()))));
        // A client id falls back to the subject when the token has none.
        List<KeyPart> perClient = List.of(new KeyPart.ClientId());
        assertThat(hash(perClient, with(alice))).isEqualTo(hash(perSubject, with(alice)));
        Subject viaApp = user("bob", "corp", Map.of("azp", "mobile-app"));
        Subject viaSameApp = user("carol", "corp", Map.of("client_id", "mobile-app"));
        assertThat(hash(perClient, with(viaApp))).isEqualTo(hash(perClient, with(viaSameApp)));
    }

    @Test
    void requestsWithoutTheHeaderShareOneKey() throws Exception {
        List<KeyPart> perTenant = List.of(new KeyPart.Header("x-tenant"));
        assertThat(hash(perTenant, at("192.0.2.1"))).isEqualTo(hash(perTenant, at("192.0.2.2")));
        Caller empty = new Caller(null, InetAddress.getByName("192.0.2.1"), Map.of("x-tenant", List.of("")), "r");
        assertThat(hash(perTenant, empty)).isNotEqualTo(hash(perTenant, at("192.0.2.1")));
    }

    @Test
    void aKeyOfSeveralPartsHashesEachValueLedByItsLength() throws Exception {
        Caller c = new Caller(null, InetAddress.getByName("192.0.2.1"), Map.of("x-tenant", List.of("acme:7")), "orders");
        List<KeyPart> parts = List.of(new KeyPart.Header("x-tenant"), new KeyPart.Route());
        // Store keys must stay the same across versions: gateways of two versions share one Redis.
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        for (String value : List.of("h:acme:7", "r:orders")) {
            byte[] bytes = value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            sha.update(java.nio.ByteBuffer.allocate(4).putInt(bytes.length).array());
            sha.update(bytes);
        }
        String expected = java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(Arrays.copyOf(sha.digest(), 16));
        assertThat(hash(parts, c)).isEqualTo(expected);
    }
}
