using ChatOrleans.Grains.Hosting;
using Orleans.Dashboard;

// A backend silo: hosts the chat grains and the Orleans Dashboard, without the WebSocket edge.
// The embedded default runs everything in the Gateway process instead; several-process
// deployments (deploy/local-cluster.sh, deploy/k8s) run this host beside stateless gateways.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.AddFilter("Orleans", LogLevel.Warning);
builder.Logging.AddFilter("Polly", LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

var configuration = builder.Configuration;
var dataDirectory = Path.GetFullPath(configuration["Storage:DataDirectory"] is { Length: > 0 } d ? d : "data");
var deployment = DeploymentOptions.From(configuration);
builder.UseOrleans(silo =>
{
    silo.AddChatSilo(configuration, dataDirectory);
    if (deployment.Kubernetes)
    {
        // Orleans:Kubernetes=true (deploy/k8s): advertise POD_IP, take the pod's name and the
        // ORLEANS_SERVICE_ID/ORLEANS_CLUSTER_ID ids, and delete the pods of silos the cluster
        // declared dead. Called after AddChatSilo so the pod's ids override Orleans:ClusterId.
        silo.UseKubernetesHosting();
    }

    silo.AddDashboard();
});

var app = builder.Build();
app.MapGet("/healthz", () => Results.Ok(new { status = "ok" }));
app.MapOrleansDashboard(routePrefix: "/dashboard");
await app.RunAsync();
