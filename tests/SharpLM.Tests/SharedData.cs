namespace SharpLM.Tests;

/// <summary>
/// Finds <c>../shared</c> (the public-domain corpus and GPT-2 vocabulary that CI places
/// beside the clone). Tests that need it skip with a stated reason when it is absent.
/// </summary>
public static class SharedData
{
    /// <summary>The shared folder, or null when it is not beside this checkout (set SHARPLM_SHARED to override).</summary>
    public static string? Directory { get; } = Find();

    /// <summary>Why a test that needs shared data was skipped.</summary>
    public const string MissingReason = "needs ../shared/data (the shared corpus beside the clone, or SHARPLM_SHARED); absent here";

    /// <summary>Full path of a file under shared/data, or null when shared data is absent.</summary>
    public static string? DataFile(string relative) =>
        Directory is null ? null : Path.Combine(Directory, "data", relative);

    private static string? Find()
    {
        var env = Environment.GetEnvironmentVariable("SHARPLM_SHARED");
        if (!string.IsNullOrEmpty(env) && System.IO.Directory.Exists(Path.Combine(env, "data"))) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (dir.GetFiles("SharpLM.slnx").Length > 0 || System.IO.Directory.Exists(Path.Combine(dir.FullName, ".git")))
            {
                var beside = Path.Combine(dir.Parent?.FullName ?? dir.FullName, "shared");
                return System.IO.Directory.Exists(Path.Combine(beside, "data")) ? beside : null;
            }
        }
        return null;
    }
}
