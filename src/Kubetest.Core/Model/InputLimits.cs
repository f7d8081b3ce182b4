namespace Kubetest.Model;

/// <summary>
/// Bounds on what a manifest may ask of the parser, so that no input can exhaust memory, time or
/// the stack. Each is far beyond any real TestJob.
/// </summary>
public static class InputLimits
{
    /// <summary>Largest manifest, before and after template parameters are filled in (characters).</summary>
    public const int MaxManifestChars = 10 * 1024 * 1024;

    /// <summary>Deepest nesting of mappings and lists (a pod spec needs about 12).</summary>
    public const int MaxDepth = 100;

    /// <summary>Most nodes that YAML aliases may add by expansion (the "billion laughs" file asks for 10^9).</summary>
    public const int MaxAliasNodes = 100_000;

    /// <summary>Most problems listed in one error; the rest are counted.</summary>
    public const int MaxProblemsShown = 20;

    /// <summary>
    /// Largest JUnit XML file a batch's command may leave at <c>KUBETEST_JUNIT</c> (bytes); a larger one is not read
    /// (a warning names the batch, and its keys are decided as without a file).
    /// </summary>
    public const long MaxBatchJUnitBytes = 64L * 1024 * 1024;
}
