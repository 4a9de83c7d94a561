package searchkit.cluster;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * Several OpenSearch nodes in one JVM, on loopback: the cluster searchkit's tests push to
 * and query. Usage: {@code Cluster DIR NODES HTTP_PORT TRANSPORT_PORT [PASSWORD]}; node i
 * listens on HTTP_PORT + i and TRANSPORT_PORT + i and keeps its data under DIR/node-i; with
 * PASSWORD, the last node asks every request for the user "searchkit" and it. It prints
 * "started" once every node has started, then runs until its standard input is closed
 * (or a line "stop NAME" stops that node, abruptly, as a node that dies; "quit" ends all).
 */
public final class Cluster {
    /** A node with the plugins given, several of which may live in one JVM. */
    static final class EmbeddedNode extends Node {
        EmbeddedNode(Environment environment, Collection<Class<? extends Plugin>> plugins) {
            super(environment, plugins, true);
        }

        @Override
        protected void configureNodeAndClusterIdStateListener(ClusterService clusterService) {
            // The listener sets a process-wide logging context once; a second node would fail.
        }
    }

    private Cluster() {}

    public static void main(String[] args) throws Exception {
        Path base = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        int httpPort = Integer.parseInt(args[2]);
        int transportPort = Integer.parseInt(args[3]);
        String password = args.length > 4 ? args[4] : "";
        List<String> names = new ArrayList<>();
        List<String> seeds = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add("node-" + i);
            seeds.add("127.0.0.1:" + (transportPort + i));
        }
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Path home = base.resolve(names.get(i));
            Files.createDirectories(home.resolve("config"));
            Settings settings = Settings.builder()
                .put("cluster.name", "searchkit-tests")
                .put("node.name", names.get(i))
                .put("path.home", home.toString())
                .put("path.data", home.resolve("data").toString())
                .put("path.logs", home.resolve("logs").toString())
                .put("network.host", "127.0.0.1")
                .put("http.port", httpPort + i)
                .put("transport.port", transportPort + i)
                .putList("discovery.seed_hosts", seeds)
                .putList("cluster.initial_cluster_manager_nodes", names)
                // A test machine's disk may be nearly full: never make the indices read-only.
                .put("cluster.routing.allocation.disk.threshold_enabled", false)
                .put("node.max_local_storage_nodes", count)
                .put("searchkit.test.password", i == count - 1 ? password : "")
                .build();
            String name = names.get(i);
            Environment environment = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> name);
            nodes.add(new EmbeddedNode(environment, List.of(Netty4Plugin.class, CommonAnalysisPlugin.class, BasicAuth.class)));
        }
        // Started together: each waits for a majority of the cluster managers to elect one.
        ExecutorService starting = Executors.newFixedThreadPool(count);
        List<Future<Node>> started = new ArrayList<>();
        for (Node node : nodes) {
            started.add(starting.submit(node::start));
        }
        for (Future<Node> node : started) {
            node.get();
        }
        starting.shutdown();
        System.out.println("started");
        System.out.flush();

        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = commands.readLine(); line != null; line = commands.readLine()) {
            line = line.strip();
            if (line.equals("quit")) {
                break;
            }
            if (line.startsWith("stop ")) {
                int at = names.indexOf(line.substring(5).strip());
                if (at >= 0 && nodes.get(at) != null) {
                    nodes.get(at).close();
                    nodes.set(at, null);
                    System.out.println("stopped " + names.get(at));
                    System.out.flush();
                }
            }
        }
        for (Node node : nodes) {
            if (node != null) {
                node.close();
            }
        }
        System.exit(0);
    }
}
