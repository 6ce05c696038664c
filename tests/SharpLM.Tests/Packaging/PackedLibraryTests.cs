using System.Diagnostics;
using System.IO.Compression;

namespace SharpLM.Tests.Packaging;

/// <summary>
/// The library as a package an app references: <c>dotnet pack</c> of src/SharpLM gives a SharpLM
/// package with its README, XML docs and symbols, and a fresh console app that references that
/// package (from a local folder) builds and runs a model.
/// </summary>
public sealed class PackedLibraryTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sharplm-pack-" + Guid.NewGuid().ToString("N"));

    public PackedLibraryTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private static string? RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SharpLM.slnx"))) return dir.FullName;
        return null;
    }

    private static (int Code, string Output) Dotnet(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var p = Process.Start(start)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromMinutes(4))) { p.Kill(true); return (-1, "timed out: dotnet " + string.Join(' ', args)); }
        return (p.ExitCode, stdout + stderr.Result);
    }

    [Fact]
    public void ThePackedLibraryCarriesItsDocsAndAnAppBuiltAgainstItRunsAModel()
    {
        string root = RepoRoot() ?? throw new InvalidOperationException("the test runs from a build under the repository (SharpLM.slnx not found above " + AppContext.BaseDirectory + ")");
        string feed = Path.Combine(_root, "feed");
        // The test project has already built src/SharpLM in Release: pack those outputs.
        var (code, output) = Dotnet(root, "pack", Path.Combine("src", "SharpLM", "SharpLM.csproj"), "-c", "Release", "--no-build", "-o", feed);
        Assert.True(code == 0, "dotnet pack failed:\n" + output);
        string nupkg = Assert.Single(Directory.GetFiles(feed, "SharpLM.*.nupkg"), f => !f.EndsWith(".snupkg", StringComparison.Ordinal));
        Assert.Single(Directory.GetFiles(feed, "SharpLM.*.snupkg"));
        using (var zip = ZipFile.OpenRead(nupkg))
        {
            var names = zip.Entries.Select(e => e.FullName).ToHashSet();
            Assert.Contains("README.md", names);
            Assert.Contains("lib/net10.0/SharpLM.dll", names);
            Assert.Contains("lib/net10.0/SharpLM.xml", names);
        }

        // A consumer app in a folder of its own, outside the repository's Directory.Build.props.
        string app = Path.Combine(_root, "app");
        Directory.CreateDirectory(app);
        string version = Path.GetFileNameWithoutExtension(nupkg)["SharpLM.".Length..];
        File.WriteAllText(Path.Combine(app, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable><ImplicitUsings>enable</ImplicitUsings></PropertyGroup>
              <ItemGroup><PackageReference Include="SharpLM" Version="{version}" /></ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Directory.Build.props"), "<Project />");
        // The package from the local feed into a private cache (so no stale copy is reused); its
        // dependencies (System.Numerics.Tensors, Microsoft.Extensions.AI.Abstractions) from the user's cache, where the repository's own restore put them.
        string userCache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources><add key="local" value="{feed}" /></packageSources>
              <fallbackPackageFolders><add key="user" value="{userCache}" /></fallbackPackageFolders>
              <config><add key="globalPackagesFolder" value="{Path.Combine(_root, "packages")}" /></config>
            </configuration>
            """);
        // The README's sample: an app talks to a SharpLM model through Microsoft.Extensions.AI's IChatClient.
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using Microsoft.Extensions.AI;
            using SharpLM.Chat;
            using SharpLM.Generation;
            using SharpLM.Models;
            using SharpLM.Serving;
            using SharpLM.Tokenizers;

            var tokenizer = CharTokenizer.Train(["hello packaged world <|im_start|>user\n<|im_end|>assistant"]);
            var model = new Gpt(GptConfig.Preset("tiny") with { VocabSize = tokenizer.VocabSize, Layers = 1, Width = 32, Heads = 2, BlockSize = 64 }, seed: 1);
            IChatClient chat = new SharpLMChatClient(new TextGenerator(model, tokenizer), ChatTemplates.Get("chatml"));
            ChatResponse answer = await chat.GetResponseAsync("hello", new ChatOptions { MaxOutputTokens = 8, Temperature = 0.8f });
            Console.WriteLine($"generated {answer.Usage!.OutputTokenCount} tokens, finish {answer.FinishReason}");
            """);
        (code, output) = Dotnet(app, "run", "-c", "Release");
        Assert.True(code == 0, "the sample app did not build or run against the packed SharpLM:\n" + output);
        Assert.Contains("generated 8 tokens, finish length", output);
    }
}
