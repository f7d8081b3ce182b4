namespace Kubetest.Reporting;

/// <summary>
/// How much of a <see cref="TimingDocument"/> a store holds: at most <paramref name="MaxKeys"/> keys and
/// <paramref name="MaxBytes"/> bytes of its JSON (UTF-8). Each store states its own; reading is bounded by it too.
/// </summary>
public sealed record TimingLimits(int MaxKeys, int MaxBytes);
