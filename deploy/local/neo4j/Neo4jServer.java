// Minimal embedded Neo4j 5.26 server with a Bolt connector, for local dev/tests.
//
// Run with Java's single-file source launcher (no build step):
//   java <add-opens flags> -cp '<neo4j jars>/*' Neo4jServer.java <homeDir> <boltPort> <authEnabled> [password]
// (without [password], $SHOPMIND_NEO4J_PASSWORD is used when auth is enabled; min. 8 chars).
//
// Prints "NEO4J READY bolt://127.0.0.1:<port>" once the DBMS (and Bolt) is up,
// then blocks until SIGTERM/SIGINT, when a shutdown hook stops the DBMS cleanly.

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;

public class Neo4jServer {
    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: Neo4jServer <homeDir> <boltPort> <authEnabled:true|false> [password]");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        boolean auth = Boolean.parseBoolean(args[2]);
        // Password from argv[3], else from $SHOPMIND_NEO4J_PASSWORD (keeps it out of `ps`).
        String password = args.length > 3 ? args[3] : System.getenv().getOrDefault("SHOPMIND_NEO4J_PASSWORD", "");
        if (auth && password.length() < 8) {
            // Neo4j 5 enforces dbms.security.auth_minimum_password_length (default 8).
            System.err.println("Neo4j password must be at least 8 characters when auth is enabled");
            System.exit(2);
        }

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, auth)
                .setConfig(GraphDatabaseSettings.pagecache_memory, 128L * 1024 * 1024)
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .setConfig(GraphDatabaseSettings.preallocate_store_files, false)
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("NEO4J STOPPING");
            try {
                dbms.shutdown();
            } finally {
                stopped.countDown();
            }
            System.out.println("NEO4J STOPPED");
        }, "neo4j-shutdown"));

        try {
            if (auth) {
                // Embedded transactions run with full privileges, so we can set the
                // initial password of the built-in user on the system database.
                try {
                    dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                            "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));
                } catch (RuntimeException e) {
                    // Restart on an existing data dir: password already set to this value.
                    if (e.getMessage() == null || !e.getMessage().contains("cannot be the same")) {
                        throw e;
                    }
                }
            }
            // Make sure the default database is actually available before we say READY.
            dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME).executeTransactionally("RETURN 1");
        } catch (Throwable t) {
            System.err.println("NEO4J FAILED: " + t);
            t.printStackTrace();
            System.exit(1); // runs the shutdown hook, which stops the DBMS
        }

        System.out.println("NEO4J READY bolt://127.0.0.1:" + port + " auth=" + auth);
        System.out.flush();
        stopped.await();
    }
}
