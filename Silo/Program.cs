using ChatOrleans.Grains.Hosting;
using ChatOrleans.ServiceDefaults;
using Orleans.Dashboard;

// A backend silo: hosts the chat grains and the Orleans Dashboard, without the WebSocket edge.
// The embedded default runs everything in the Gateway process instead; several-process
// deployments (deploy/local-cluster.sh, deploy/k8s) run this host beside stateless gateways.
var builder = WebApplication.CreateBuilder(args);

// Log levels come from configuration (defaults in LoggingDefaults); AddChatObservability keeps
// the categories that write query strings (a token) pinned and logs request lines without them.
LoggingDefaults.AddTo(builder.Configuration);
builder.AddChatObservability();
builder.Services.AddChatStoreObservability(builder.Configuration);

var configuration = builder.Configuration;
var dataFolder = DataFolder.FromConfiguration(configuration);
var deployment = DeploymentOptions.From(configuration);
builder.UseOrleans(silo =>
{
    silo.AddChatSilo(configuration, dataFolder.Path);
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
app.UseChatRequestLogging();
app.MapChatObservability();
app.MapOrleansDashboard(routePrefix: "/dashboard");
await app.RunAsync();
