package searchkit.cluster;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.UnaryOperator;

import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.plugins.ActionPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.rest.BytesRestResponse;
import org.opensearch.rest.RestHandler;

/**
 * Basic authentication on a node's HTTP API, as a cluster with a security plugin asks for
 * it: a node given {@code searchkit.test.password} answers 401 to a request without the
 * user "searchkit" and that password. Nodes without the setting answer everyone.
 */
public final class BasicAuth extends Plugin implements ActionPlugin {
    static final Setting<String> PASSWORD = Setting.simpleString("searchkit.test.password", Setting.Property.NodeScope);

    private final String expected;

    public BasicAuth(Settings settings) {
        String password = PASSWORD.get(settings);
        this.expected = password.isEmpty()
            ? null
            : "Basic " + Base64.getEncoder().encodeToString(("searchkit:" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public List<Setting<?>> getSettings() {
        return List.of(PASSWORD);
    }

    @Override
    public UnaryOperator<RestHandler> getRestHandlerWrapper(ThreadContext threadContext) {
        return handler -> (request, channel, client) -> {
            if (expected == null || expected.equals(request.header("Authorization"))) {
                handler.handleRequest(request, channel, client);
            } else {
                channel.sendResponse(new BytesRestResponse(
                    RestStatus.UNAUTHORIZED, "application/json", "{\"error\":\"missing or wrong credentials\"}"));
            }
        };
    }
}
