using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>What every request goes through before its handler: Status for errors, bearer tokens, injected faults.</summary>
internal static class Middleware
{
    public static void Use(WebApplication app, KubeEmulator emulator, EmulatorOptions options)
    {
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (StatusException e) when (!context.Response.HasStarted)
            {
                if (e.Status.Reason == "Conflict")
                {
                    emulator.CountConflict();
                }

                await Api.WriteAsync(context, e.Status, e.Code);
            }
            catch (BadHttpRequestException e) when (!context.Response.HasStarted)
            {
                await Api.WriteAsync(context, Statuses.Failure(400, "BadRequest", e.Message), 400);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client hung up.
            }
        });

        app.Use(async (context, next) =>
        {
            // A server going away answers nothing new, also while it still ends its pods.
            if (emulator.IsStopping)
            {
                context.Abort();
                return;
            }

            var header = context.Request.Headers.Authorization.ToString();
            var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
            var identity = emulator.Identities.FirstOrDefault(i => i.Token == token);
            if (identity is null)
            {
                await Api.WriteAsync(context, Statuses.Failure(401, "Unauthorized", "Unauthorized"), 401);
                return;
            }

            context.Items[nameof(Identity)] = identity;
            emulator.CountRequest(context);
            await next(context);
        });

        app.Use(async (context, next) =>
        {
            var faults = options.Faults;
            var upgrade = context.WebSockets.IsWebSocketRequest;
            if (HttpMethods.IsDelete(context.Request.Method) && FailDelete(faults, context.Request.Path))
            {
                emulator.CountFault(500);
                await Api.WriteAsync(context, Statuses.Failure(500, "InternalError", "Internal error occurred: a delete failed, injected by the emulator's fault knob"), 500);
                return;
            }

            if (!upgrade || faults.IncludeExecUpgrades)
            {
                var roll = Random.Shared.NextDouble();
                if (roll < faults.InternalErrorRate)
                {
                    emulator.CountFault(500);
                    await Api.WriteAsync(context, Statuses.Failure(500, "InternalError", "Internal error occurred: injected by the emulator's fault knob", new V1StatusDetails { Causes = [new V1StatusCause { Message = "injected fault" }] }), 500);
                    return;
                }

                if (roll < faults.InternalErrorRate + faults.TooManyRequestsRate)
                {
                    emulator.CountFault(429);
                    context.Response.Headers.RetryAfter = faults.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    await Api.WriteAsync(context, Statuses.Failure(429, "TooManyRequests", "Too many requests, please try again later.", new V1StatusDetails { RetryAfterSeconds = faults.RetryAfterSeconds }), 429);
                    return;
                }
            }

            await next(context);
        });
    }

    /// <summary>Whether to fail this DELETE: all of a resource (…/jobs/NAME, …/pods/NAME), or a share of them.</summary>
    private static bool FailDelete(FaultOptions faults, PathString path)
    {
        var segments = (path.Value ?? string.Empty).Split('/', StringSplitOptions.RemoveEmptyEntries);
        var resource = segments.Length >= 2 ? segments[^2] : string.Empty;
        lock (faults.FailDeletesOf)
        {
            if (faults.FailDeletesOf.Contains(resource))
            {
                return true;
            }
        }

        return faults.DeleteFailureRate > 0 && Random.Shared.NextDouble() < faults.DeleteFailureRate;
    }
}
