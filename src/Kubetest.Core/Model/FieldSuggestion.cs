namespace Kubetest.Model;

/// <summary>
/// "Did you mean": the known field an unknown one was most likely meant to be. Names are compared without case
/// and without <c>_</c> or <c>-</c> (<c>readonly</c>, <c>max_keys</c>), by the optimal string alignment distance
/// (insertions, deletions, substitutions, swaps of neighbours); a name is close enough when that distance is at
/// most 1 for names of up to 4 letters, 2 up to 8, and 3 beyond. Ties go to the first known name. Callers offer
/// only the known names the object does not already use.
/// </summary>
internal static class FieldSuggestion
{
    /// <summary>Longer names are not compared (a manifest's keys may be of any length; the distance is quadratic).</summary>
    private const int MaxLength = 64;

    public static string? Closest(string unknown, IEnumerable<string> known)
    {
        var typed = Normalize(unknown);
        if (typed.Length == 0 || typed.Length > MaxLength)
        {
            return null;
        }

        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var name in known)
        {
            var candidate = Normalize(name);
            if (candidate.Length > MaxLength || name == unknown)
            {
                continue;
            }

            var distance = Distance(typed, candidate);
            if (distance <= Allowed(Math.Max(typed.Length, candidate.Length)) && distance < bestDistance)
            {
                (best, bestDistance) = (name, distance);
            }
        }

        return best;
    }

    /// <summary>Whether <paramref name="unknown"/> is close enough to <paramref name="known"/> to be a typo of it.</summary>
    public static bool IsClose(string unknown, string known) => Closest(unknown, [known]) is not null;

    private static int Allowed(int length) => length switch
    {
        <= 4 => 1,
        <= 8 => 2,
        _ => 3,
    };

    private static string Normalize(string name) => name.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();

    private static int Distance(string a, string b)
    {
        var width = b.Length + 1;
        var d = new int[(a.Length + 1) * width];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i * width] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                var best = Math.Min(Math.Min(d[((i - 1) * width) + j] + 1, d[(i * width) + j - 1] + 1), d[((i - 1) * width) + j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    best = Math.Min(best, d[((i - 2) * width) + j - 2] + 1);
                }

                d[(i * width) + j] = best;
            }
        }

        return d[^1];
    }
}
