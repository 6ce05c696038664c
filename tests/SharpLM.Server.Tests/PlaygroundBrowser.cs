using Microsoft.Playwright;

namespace SharpLM.Server.Tests;

/// <summary>
/// Debian's Chromium, launched by Playwright from its executable path (Playwright's own browser
/// download cannot work offline; the driver Playwright needs ships inside its NuGet package).
/// </summary>
public static class PlaygroundBrowser
{
    /// <summary>Where Debian's <c>chromium</c> package puts the browser (<c>.ci/run</c> installs it when missing).</summary>
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <summary>True under CI (<c>CI=true</c>), where a missing browser must fail the test rather than skip it.</summary>
    public static bool UnderCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Headless, with a fresh profile folder, and nothing that reaches the network on its own.</summary>
    public static Task<IBrowserContext> LaunchAsync(IPlaywright playwright, string profileFolder) =>
        playwright.Chromium.LaunchPersistentContextAsync(profileFolder, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync"],
            ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
        });
}

/// <summary>
/// A fact that needs Chromium: skipped with a reason on a developer machine without it, but run
/// (and so failing loudly) under CI, where <c>.ci/run</c> must have installed it.
/// </summary>
public sealed class PlaygroundBrowserFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> only when Chromium is absent and this is not CI.</summary>
    public PlaygroundBrowserFactAttribute()
    {
        if (!File.Exists(PlaygroundBrowser.ExecutablePath) && !PlaygroundBrowser.UnderCi)
            Skip = $"{PlaygroundBrowser.ExecutablePath} not found: install Debian's chromium (apt-get install -y chromium) to run the browser test; under CI=true it fails instead.";
    }
}
