using k8s.Models;

namespace Kubetest.Emulator;

internal static class Secrets
{
    public static void Map(IEndpointRouteBuilder app, Store store)
    {
        const string Collection = "/api/v1/namespaces/{ns}/secrets";
        app.MapPost(Collection, async (HttpContext c, string ns) =>
        {
            Rbac.Authorize(Api.Identity(c), "create", string.Empty, "secrets", null, ns, null);
            var secret = await Api.ReadAsync<V1Secret>(c);
            secret.Metadata ??= new V1ObjectMeta();
            secret.Metadata.NamespaceProperty = ns;
            Validation.Secret(secret);
            secret.ApiVersion = "v1";
            secret.Kind = "Secret";
            secret.Type ??= "Opaque";
            secret.Metadata.Uid = Guid.NewGuid().ToString();
            secret.Metadata.CreationTimestamp = DateTime.UtcNow;
            if (secret.StringData is { } stringData)
            {
                secret.Data ??= new Dictionary<string, byte[]>();
                foreach (var (key, value) in stringData)
                {
                    secret.Data[key] = System.Text.Encoding.UTF8.GetBytes(value);
                }

                secret.StringData = null;
            }

            store.PutSecret(secret);
            await Api.WriteAsync(c, secret, 201);
        });

        // Listing exists so that a refusal is a 403 from RBAC, as on a cluster, not a 404.
        app.MapGet(Collection, (HttpContext c, string ns) =>
        {
            Rbac.Authorize(Api.Identity(c), "list", string.Empty, "secrets", null, ns, null);
            throw Statuses.MethodNotAllowed("listing secrets is not implemented by the emulator");
        });
        app.MapGet(Collection + "/{name}", (HttpContext c, string ns, string name) =>
        {
            Rbac.Authorize(Api.Identity(c), "get", string.Empty, "secrets", null, ns, name);
            return Api.WriteAsync(c, store.GetSecret(ns, name) ?? throw Statuses.NotFound("secrets", name));
        });
    }
}
