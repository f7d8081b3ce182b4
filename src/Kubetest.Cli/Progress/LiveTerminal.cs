namespace Kubetest.Cli.Progress;

/// <summary>The terminal the live view draws on: where it writes, and its size in columns and rows at this moment (it can change at any time).</summary>
internal sealed record LiveTerminal(TextWriter Writer, Func<(int Width, int Height)> Size);
