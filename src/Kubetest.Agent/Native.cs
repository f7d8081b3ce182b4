using System.Reflection;
using System.Runtime.InteropServices;

namespace Kubetest.Agent;

/// <summary>
/// The few libc calls .NET has no API for: process groups (so that cancelling a command reaches
/// everything it started) and exec in place (so the command replaces the launcher).
/// </summary>
internal static unsafe partial class Native
{
    public const int Sigkill = 9;
    private const int Sigpipe = 13;

    // "libc" alone would find the linker script libc.so where a -dev package is installed.
    private static readonly string[] LibcNames = ["libc.so.6", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1", "libc"];

    static Native() => NativeLibrary.SetDllImportResolver(typeof(Native).Assembly, Resolve);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setpgid(int pid, int pgid);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int execvp(byte* file, byte** argv);

    [LibraryImport("libc")]
    private static partial nint signal(int signal, nint handler);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int directoryFd, string path, int flags, uint mask, byte* buffer);

    /// <summary>
    /// The file type bits (S_IFMT) and permission bits of <paramref name="path"/> itself (a link is
    /// not followed), with its owner; null when it is gone. statx's layout is the same on every
    /// architecture, unlike struct stat's.
    /// </summary>
    public static (uint Type, UnixFileMode Mode, int Uid, int Gid)? Lstat(string path)
    {
        const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100;
        const uint StatxType = 0x1, StatxMode = 0x2, StatxUid = 0x8, StatxGid = 0x10;
        var buffer = stackalloc byte[256];
        if (statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType | StatxMode | StatxUid | StatxGid, buffer) != 0)
        {
            return null;
        }

        var mode = *(ushort*)(buffer + 28);
        return ((uint)mode & 0xF000, (UnixFileMode)(mode & 0xFFF), *(int*)(buffer + 20), *(int*)(buffer + 24));
    }

    /// <summary>Makes this process the leader of a new process group.</summary>
    public static bool NewProcessGroup() => setpgid(0, 0) == 0;

    /// <summary>Sends SIGKILL to every process of the group <paramref name="group"/>; false when there is none.</summary>
    public static bool KillGroup(int group) => group > 1 && kill(-group, Sigkill) == 0;

    /// <summary>
    /// Replaces this process with <paramref name="argv"/> (looked up on PATH); returns the errno only
    /// when that fails. The runtime ignores SIGPIPE and an ignored signal survives exec, so it is
    /// set back to default first, as a shell would leave it.
    /// </summary>
    public static int Exec(IReadOnlyList<string> argv)
    {
        signal(Sigpipe, 0);
        var strings = new nint[argv.Count + 1];
        try
        {
            for (var i = 0; i < argv.Count; i++)
            {
                strings[i] = Marshal.StringToCoTaskMemUTF8(argv[i]);
            }

            fixed (nint* pointers = strings)
            {
                execvp((byte*)strings[0], (byte**)pointers);
            }

            return Marshal.GetLastPInvokeError();
        }
        finally
        {
            foreach (var pointer in strings)
            {
                Marshal.FreeCoTaskMem(pointer);
            }
        }
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != "libc")
        {
            return 0;
        }

        foreach (var candidate in LibcNames)
        {
            if (NativeLibrary.TryLoad(candidate, out var handle))
            {
                return handle;
            }
        }

        return 0;
    }
}
