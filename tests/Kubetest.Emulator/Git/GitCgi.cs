using System.Diagnostics;
using System.Text;

namespace Kubetest.Emulator.Git;

/// <summary>One request through <c>git-http-backend</c> as CGI: bodies streamed both ways, its headers (Status too) turned into the response's.</summary>
internal static class GitCgi
{
    public const string HttpBackend = "/usr/lib/git-core/git-http-backend";

    private const int MaxHeaderBytes = 64 * 1024;

    public static async Task RunAsync(HttpContext context, string projectRoot, string remoteUser, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var info = new ProcessStartInfo(HttpBackend)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var environment = info.Environment;
        environment["GIT_PROJECT_ROOT"] = projectRoot;
        environment["GIT_HTTP_EXPORT_ALL"] = "1";
        environment["GIT_CONFIG_NOSYSTEM"] = "1";
        environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        environment["GATEWAY_INTERFACE"] = "CGI/1.1";
        environment["SERVER_PROTOCOL"] = request.Protocol;
        environment["REQUEST_METHOD"] = request.Method;
        environment["PATH_INFO"] = request.Path.Value ?? "/";
        environment["QUERY_STRING"] = request.QueryString.Value?.TrimStart('?') ?? string.Empty;
        environment["CONTENT_TYPE"] = request.ContentType ?? string.Empty;
        environment["REMOTE_USER"] = remoteUser;
        environment["REMOTE_ADDR"] = context.Connection.RemoteIpAddress?.ToString() ?? "127.0.0.1";
        // No CONTENT_LENGTH: Kestrel has undone any chunking and the backend then reads to the end.
        environment.Remove("CONTENT_LENGTH");
        // The backend reads protocol v2 and gzip request bodies from these.
        SetHeader(environment, "HTTP_GIT_PROTOCOL", request.Headers["Git-Protocol"]);
        SetHeader(environment, "HTTP_CONTENT_ENCODING", request.Headers.ContentEncoding);

        using var process = Process.Start(info)!;
        using var registration = cancellationToken.Register(() => process.Kill(entireProcessTree: true));
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var input = CopyRequestAsync(request.Body, process.StandardInput.BaseStream, cancellationToken);
        var output = process.StandardOutput.BaseStream;
        var (headers, body) = await ReadHeadersAsync(output, cancellationToken);
        foreach (var (name, value) in headers)
        {
            if (name.Equals("Status", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.StatusCode = int.Parse(value.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                context.Response.Headers.Append(name, value);
            }
        }

        await context.Response.Body.WriteAsync(body, cancellationToken);
        await output.CopyToAsync(context.Response.Body, cancellationToken);
        await input;
        await process.WaitForExitAsync(cancellationToken);
        await stderr;
    }

    private static void SetHeader(IDictionary<string, string?> environment, string name, Microsoft.Extensions.Primitives.StringValues value)
    {
        if (value.Count > 0)
        {
            environment[name] = value.ToString();
        }
        else
        {
            environment.Remove(name);
        }
    }

    private static async Task CopyRequestAsync(Stream body, Stream stdin, CancellationToken cancellationToken)
    {
        try
        {
            await using (stdin)
            {
                await body.CopyToAsync(stdin, cancellationToken);
            }
        }
        catch (IOException)
        {
            // The backend answered without reading the whole body (an error): its answer still goes out.
        }
    }

    /// <summary>The CGI header lines up to the blank line, and the body bytes read past them.</summary>
    private static async Task<(List<(string Name, string Value)> Headers, ReadOnlyMemory<byte> Body)> ReadHeadersAsync(Stream output, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxHeaderBytes];
        var length = 0;
        while (true)
        {
            var (end, separator) = FindBlankLine(buffer.AsSpan(0, length));
            if (end >= 0)
            {
                var text = Encoding.ASCII.GetString(buffer, 0, end);
                var headers = text.Split('\n')
                    .Select(line => line.TrimEnd('\r'))
                    .Where(line => line.Contains(':', StringComparison.Ordinal))
                    .Select(line => (line[..line.IndexOf(':', StringComparison.Ordinal)].Trim(), line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()))
                    .ToList();
                return (headers, buffer.AsMemory(end + separator, length - end - separator));
            }

            var read = length < buffer.Length ? await output.ReadAsync(buffer.AsMemory(length), cancellationToken) : 0;
            if (read == 0)
            {
                throw new InvalidOperationException($"{HttpBackend} ended its output before the end of its headers");
            }

            length += read;
        }
    }

    private static (int End, int SeparatorLength) FindBlankLine(ReadOnlySpan<byte> bytes)
    {
        var crlf = bytes.IndexOf("\r\n\r\n"u8);
        var lf = bytes.IndexOf("\n\n"u8);
        if (crlf >= 0 && (lf < 0 || crlf < lf))
        {
            return (crlf, 4);
        }

        return lf >= 0 ? (lf, 2) : (-1, 0);
    }
}
