package io.zerogate.admin;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.zerogate.limits.LimitsStage;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/** {@code GET /admin/limits/quotas?subject=…}: what is left of a caller's quotas, answered when the store has answered. */
final class QuotaQuery {

    private QuotaQuery() {}

    static void answer(ChannelHandlerContext ctx, FullHttpRequest req, LimitsStage limits, boolean keepAlive) {
        Map<String, String> query = new HashMap<>();
        QueryStringDecoder decoder = new QueryStringDecoder(req.uri());
        for (Map.Entry<String, List<String>> p : decoder.parameters().entrySet()) {
            if (p.getValue().size() != 1) {
                AdminResponses.send(ctx, AdminResponses.text(HttpResponseStatus.BAD_REQUEST, "parameter " + p.getKey() + " given "
                        + p.getValue().size() + " times (expected: once)\n", AdminResponses.PLAIN), keepAlive);
                return;
            }
            query.put(p.getKey(), p.getValue().get(0));
        }
        CompletionStage<String> read;
        try {
            read = limits.quotas().read(query);
        } catch (IllegalArgumentException e) {
            AdminResponses.send(ctx, AdminResponses.text(HttpResponseStatus.BAD_REQUEST, e.getMessage() + "\n", AdminResponses.PLAIN),
                    keepAlive);
            return;
        }
        read.whenComplete((json, failure) -> ctx.executor().execute(() -> AdminResponses.send(ctx, failure == null
                ? AdminResponses.text(HttpResponseStatus.OK, json, AdminResponses.JSON)
                : AdminResponses.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "the state store did not answer\n", AdminResponses.PLAIN),
                keepAlive)));
    }
}
