using System.Globalization;

namespace Kubetest.Runtime;

/// <summary>
/// A key's time limit, enforced inside its container: the key's command runs under a small
/// <c>sh</c> watchdog that, when the limit passes, prints <see cref="Marker"/> on stderr, stops
/// the command and every process below it (found through <c>/proc</c>, stopped before they are
/// looked for so none can fork away) and kills them all. Ending the exec stream alone would not
/// do: on Kubernetes a command whose exec connection closes keeps running in the container, and
/// the container stays for the next key. <see cref="ShellExec"/> also cancels the exec <see cref="Grace"/>
/// after the limit, in case the image has no <c>sleep</c> or <c>/proc</c>.
/// </summary>
public sealed class KeyTimeout(TimeSpan limit, TimeSpan grace)
{
    /// <summary>How long after the limit <see cref="ShellExec"/> cancels an exec the watchdog did not end.</summary>
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromSeconds(10);

    // POSIX sh (dash, bash). $1 seconds, $2 the marker, the rest the key's argv. Once it fires the
    // watchdog ignores TERM, so the wrapper, whose wait may return as soon as the command is
    // stopped, waits for the whole tree to be killed; "Killed" from the wrapper's own wait is dropped.
    private const string Script = """
        t=$1; m=$2; shift 2
        "$@" &
        p=$!
        (
          trap 'kill "$s" 2>/dev/null; exit 0' TERM
          sleep "$t" & s=$!
          wait "$s" || exit 0
          trap '' TERM
          echo "$m" >&2
          kill -STOP "$p" 2>/dev/null
          all=$p; new=$p
          while [ -n "$new" ]; do
            next=
            for f in /proc/[0-9]*/stat; do
              read -r l 2>/dev/null < "$f" || continue
              c=${f#/proc/}; c=${c%/stat}
              l=${l##*) }; l=${l#* }; pp=${l%% *}
              case " $new " in *" $pp "*)
                case " $all " in *" $c "*) ;; *) kill -STOP "$c" 2>/dev/null; next="$next $c"; all="$all $c" ;; esac ;;
              esac
            done
            new=$next
          done
          kill -KILL $all 2>/dev/null
        ) &
        w=$!
        wait "$p" 2>/dev/null; rc=$?
        kill "$w" 2>/dev/null
        wait "$w"
        exit "$rc"
        """;

    /// <summary>The exit code of a key that timed out, as timeout(1) uses.</summary>
    public const int ExitCode = 124;

    public TimeSpan Limit { get; } = limit;

    public TimeSpan Grace { get; } = grace;

    /// <summary>The stderr line by which the watchdog says it fired; random per run, so no key's output can forge it.</summary>
    public string Marker { get; } = $"kubetest-key-timed-out-{Guid.NewGuid():N}";

    /// <summary><paramref name="command"/> under the watchdog.</summary>
    public IReadOnlyList<string> Wrap(IReadOnlyList<string> command) =>
        ["sh", "-c", Script, "kubetest-key-timeout", ((long)Math.Ceiling(Limit.TotalSeconds)).ToString(CultureInfo.InvariantCulture), Marker, .. command];

    /// <summary>What the report and the log say about a key that timed out.</summary>
    public string Message => $"timed out after {Model.GoDuration.Format(Limit)}";
}
