package io.zerogate.testing;

import io.zerogate.cli.CertificateMint;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A client key manager that presents one identity whatever CAs the server asks for, so that tests can present
 * certificates the server must refuse (the JDK's own key manager would quietly present none).
 */
public final class FixedKeyManager extends X509ExtendedKeyManager {

    private static final String ALIAS = "client";
    private final X509Certificate[] chain;
    private final PrivateKey key;

    /** Presents {@code identity} with its intermediates (not the root). */
    public FixedKeyManager(CertificateMint.Issued identity) {
        List<X509Certificate> c = new ArrayList<>();
        c.add(identity.certificate());
        for (CertificateMint.Issued i = identity.issuer(); i != null && i.issuer() != null; i = i.issuer()) {
            c.add(i.certificate());
        }
        this.chain = c.toArray(X509Certificate[]::new);
        this.key = identity.keys().getPrivate();
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return new String[] {ALIAS};
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return ALIAS;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return ALIAS;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return chain.clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return key;
    }
}
