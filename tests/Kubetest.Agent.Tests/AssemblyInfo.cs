// The agent runs in Linux containers; its tests use Linux modes, /proc and process groups.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
