package io.zerogate.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What an owner service said about one object. The protocol: {@code GET} the filled-in URL; {@code 200} with a JSON
 * object whose {@code owner} is the owner's id (a string), or the ids of everyone it is shared with (an array of
 * strings); {@code 404} when the object does not exist or has no owner. Anything else (another status, a redirect, a
 * body that is not such an object, a body over {@link RemoteCall#MAX_BODY_BYTES}, no answer in time) leaves ownership
 * unknown, and the request is refused.
 */
sealed interface OwnerAnswer {

    /** Duplicate members would let two readers of one answer disagree about the owner. */
    ObjectMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    /** The object's owners (one, or several for a shared object; possibly none). */
    record Owners(Set<String> ids) implements OwnerAnswer {
        public Owners {
            ids = Set.copyOf(ids);
        }
    }

    /** The service does not know the object, or it has no owner. */
    enum NotFound implements OwnerAnswer { INSTANCE }

    /** No usable answer: why, naming the service and the failure, never request contents. */
    record Unavailable(String why) implements OwnerAnswer {}

    static OwnerAnswer read(RemoteCall.Reply reply) {
        return switch (reply) {
            case RemoteCall.Reply.Failed f -> new Unavailable(f.why());
            case RemoteCall.Reply.Answered a when a.status() == 404 -> NotFound.INSTANCE;
            case RemoteCall.Reply.Answered a when a.status() != 200 -> new Unavailable("the owner service answered "
                    + a.status());
            case RemoteCall.Reply.Answered a -> parse(a.body());
        };
    }

    private static OwnerAnswer parse(byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            return new Unavailable("the owner service's answer is not JSON");
        } catch (IOException e) {
            return new Unavailable("the owner service's answer could not be read");
        }
        JsonNode owner = root == null || !root.isObject() ? null : root.get("owner");
        if (owner != null && owner.isTextual() && !owner.textValue().isEmpty()) {
            return new Owners(Set.of(owner.textValue()));
        }
        if (owner != null && owner.isArray()) {
            Set<String> ids = new LinkedHashSet<>();
            for (JsonNode id : owner) {
                if (!id.isTextual() || id.textValue().isEmpty()) {
                    return new Unavailable("the owner service's answer has an owner that is not a non-empty string");
                }
                ids.add(id.textValue());
            }
            return new Owners(ids);
        }
        return new Unavailable("the owner service's answer has no \"owner\" string or array of strings");
    }
}
