package dev.gale.autoscaler;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A local HTTP endpoint speaking the EC2 Query API (form-encoded {@code Action=...}, XML answers
 * in namespace {@code http://ec2.amazonaws.com/doc/2016-11-15/}) for RunInstances,
 * DescribeInstances (filtered by one tag) and TerminateInstances, so the real AWS SDK can be
 * pointed at it with {@code endpointOverride}. Instances live in memory; tests change their
 * state and make RunInstances fail with an error code.
 */
final class Ec2QueryServer implements AutoCloseable {
    static final String NS = "http://ec2.amazonaws.com/doc/2016-11-15/";

    /** One instance. */
    static final class Inst {
        final String id;
        final String imageId;
        final String instanceType;
        final String userData;
        final Map<String, String> tags;
        volatile String state = "pending";

        Inst(String id, String imageId, String instanceType, String userData, Map<String, String> tags) {
            this.id = id;
            this.imageId = imageId;
            this.instanceType = instanceType;
            this.userData = userData;
            this.tags = tags;
        }
    }

    final Map<String, Inst> instances = new LinkedHashMap<>();
    /** Every request's form parameters, in order (to check what the SDK sent). */
    final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();
    /** When set, RunInstances fails with this error code (HTTP 400 or 500 for InsufficientInstanceCapacity). */
    volatile String failRunWith;
    private final HttpServer server;
    private int counter;

    Ec2QueryServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void handle(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, String> form = new TreeMap<>();
        for (String kv : body.split("&")) {
            if (kv.isEmpty()) continue;
            int eq = kv.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            form.put(k, v);
        }
        requests.add(form);
        String action = form.getOrDefault("Action", "");
        String xml;
        int status = 200;
        synchronized (this) {
            switch (action) {
                case "RunInstances" -> {
                    if (failRunWith != null) {
                        status = 400;
                        xml = "<Response><Errors><Error><Code>" + failRunWith + "</Code><Message>simulated: " + failRunWith
                                + "</Message></Error></Errors><RequestID>req-err</RequestID></Response>";
                    } else {
                        Map<String, String> tags = new TreeMap<>();
                        for (int t = 1; form.containsKey("TagSpecification.1.Tag." + t + ".Key"); t++) {
                            tags.put(form.get("TagSpecification.1.Tag." + t + ".Key"), form.get("TagSpecification.1.Tag." + t + ".Value"));
                        }
                        Inst i = new Inst(String.format("i-%017x", ++counter), form.get("ImageId"), form.get("InstanceType"),
                                form.getOrDefault("UserData", ""), tags);
                        instances.put(i.id, i);
                        xml = "<RunInstancesResponse xmlns=\"" + NS + "\"><requestId>req-" + counter + "</requestId><reservationId>r-"
                                + counter + "</reservationId><ownerId>123456789012</ownerId><instancesSet>" + item(i)
                                + "</instancesSet></RunInstancesResponse>";
                    }
                }
                case "DescribeInstances" -> {
                    String tagKey = form.getOrDefault("Filter.1.Name", "");
                    String tagValue = form.get("Filter.1.Value.1");
                    StringBuilder sb = new StringBuilder("<DescribeInstancesResponse xmlns=\"" + NS + "\"><requestId>req-d</requestId><reservationSet>");
                    for (Inst i : instances.values()) {
                        if (tagKey.startsWith("tag:") && !String.valueOf(tagValue).equals(i.tags.get(tagKey.substring(4)))) continue;
                        sb.append("<item><reservationId>r-").append(i.id).append("</reservationId><ownerId>123456789012</ownerId><instancesSet>")
                                .append(item(i)).append("</instancesSet></item>");
                    }
                    xml = sb.append("</reservationSet></DescribeInstancesResponse>").toString();
                }
                case "TerminateInstances" -> {
                    StringBuilder sb = new StringBuilder("<TerminateInstancesResponse xmlns=\"" + NS + "\"><requestId>req-t</requestId><instancesSet>");
                    for (int n = 1; form.containsKey("InstanceId." + n); n++) {
                        Inst i = instances.get(form.get("InstanceId." + n));
                        if (i == null) {
                            status = 400;
                            sb = new StringBuilder("<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID '"
                                    + form.get("InstanceId." + n) + "' does not exist</Message></Error></Errors><RequestID>req-x</RequestID></Response>");
                            break;
                        }
                        String prev = i.state;
                        i.state = "terminated";
                        sb.append("<item><instanceId>").append(i.id).append("</instanceId><currentState><code>48</code><name>terminated</name>"
                                + "</currentState><previousState><code>16</code><name>").append(prev).append("</name></previousState></item>");
                    }
                    xml = status == 200 ? sb.append("</instancesSet></TerminateInstancesResponse>").toString() : sb.toString();
                }
                default -> {
                    status = 400;
                    xml = "<Response><Errors><Error><Code>InvalidAction</Code><Message>" + action
                            + " is not served here</Message></Error></Errors><RequestID>req-0</RequestID></Response>";
                }
            }
        }
        byte[] out = xml.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "text/xml;charset=UTF-8");
        ex.sendResponseHeaders(status, out.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(out);
        }
    }

    private static String item(Inst i) {
        StringBuilder sb = new StringBuilder("<item><instanceId>").append(i.id).append("</instanceId><imageId>").append(i.imageId)
                .append("</imageId><instanceState><code>").append(code(i.state)).append("</code><name>").append(i.state)
                .append("</name></instanceState><instanceType>").append(i.instanceType).append("</instanceType><tagSet>");
        for (Map.Entry<String, String> t : i.tags.entrySet()) {
            sb.append("<item><key>").append(t.getKey()).append("</key><value>").append(t.getValue()).append("</value></item>");
        }
        return sb.append("</tagSet></item>").toString();
    }

    private static int code(String state) {
        return switch (state) {
            case "running" -> 16;
            case "shutting-down" -> 32;
            case "terminated" -> 48;
            default -> 0;
        };
    }

    synchronized List<Inst> all() {
        return new ArrayList<>(instances.values());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
