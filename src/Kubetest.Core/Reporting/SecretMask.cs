namespace Kubetest.Reporting;

/// <summary>
/// The run's secret values (tokens), replaced by <c>***</c> wherever text leaves kubetest: log
/// lines, command output, error messages. Thread-safe; values shorter than 4 characters are not
/// masked (they would mask ordinary words).
/// </summary>
public sealed class SecretMask
{
    public const string Replacement = "***";

    private readonly object _gate = new();
    private string[] _values = [];

    public bool IsEmpty => _values.Length == 0;

    public void Add(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length < 4)
        {
            return;
        }

        lock (_gate)
        {
            // Longest first, so a secret that contains another is masked whole.
            _values = [.. _values.Append(value).Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length)];
        }
    }

    public string Apply(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var values = _values;
        foreach (var value in values)
        {
            if (text.Contains(value, StringComparison.Ordinal))
            {
                text = text.Replace(value, Replacement, StringComparison.Ordinal);
            }
        }

        return text;
    }
}

/// <summary>Passes every event on with the <see cref="SecretMask"/>'s values masked in its text.</summary>
public sealed class MaskingObserver(SecretMask mask, IRunObserver inner) : IRunObserver
{
    public void On(RunEvent runEvent)
    {
        inner.On(mask.IsEmpty ? runEvent : runEvent switch
        {
            LogEvent log => log with { Message = mask.Apply(log.Message) },
            TaskOutput output => output with { Line = mask.Apply(output.Line) },
            TaskStarted started => started with { DisplayCommand = mask.Apply(started.DisplayCommand) },
            CommandFinished { Result.Message: { } message } finished => finished with { Result = finished.Result with { Message = mask.Apply(message) } },
            KeyFinished { Result.Message: { } message } finished => finished with { Result = finished.Result with { Message = mask.Apply(message) } },
            _ => runEvent,
        });
    }
}
