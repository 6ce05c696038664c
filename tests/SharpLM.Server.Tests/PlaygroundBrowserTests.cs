using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using SharpLM.Chat;
using SharpLM.Generation;

namespace SharpLM.Server.Tests;

/// <summary>
/// The playground in a real browser (headless Chromium driven by Playwright): type a message and
/// watch the answer stream in, open a token's alternatives, draw an attention map for a chosen
/// layer and head; the page must match the model (greedy text, attention values) and log no
/// errors. A screenshot is kept at <see cref="ScreenshotPath"/>.
/// </summary>
public sealed class PlaygroundBrowserTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Message = "the cat sat on";
    private const string AttentionText = "the dog sat on the log";
    private const int MaxTokens = 24, Layer = 1, Head = 2;

    /// <summary>The screenshot artifact: <c>tests/SharpLM.Server.Tests/bin/Release/net10.0/artifacts/playground.png</c>.</summary>
    public static string ScreenshotPath => Path.Combine(AppContext.BaseDirectory, "artifacts", "playground.png");

    [PlaygroundBrowserFact]
    public async Task ChatStreamsShowsAlternativesAndDrawsAttention()
    {
        Assert.True(File.Exists(PlaygroundBrowser.ExecutablePath),
            $"{PlaygroundBrowser.ExecutablePath} is missing: .ci/run installs Debian's chromium package before the tests.");
        var (model, tokenizer) = server.Load();
        var template = ChatTemplates.ForModel(server.Folder);
        string prompt = template.Render([new(Chat.ChatMessage.User, Message)], addGenerationPrompt: true);
        string expectedAnswer = new TextGenerator(model, tokenizer).Generate(prompt,
            new GenerationOptions { MaxTokens = MaxTokens, Sampling = SamplerOptions.Greedy, StopSequences = template.StopStrings });
        Assert.NotEmpty(expectedAnswer);

        string profile = Directory.CreateTempSubdirectory("sharplm-chromium-").FullName;
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await PlaygroundBrowser.LaunchAsync(playwright, profile);
        try
        {
            var page = browser.Pages.Count > 0 ? browser.Pages[0] : await browser.NewPageAsync();
            var errors = new List<string>();
            page.Console += (_, m) => { if (m.Type == "error") errors.Add(m.Text); };
            page.PageError += (_, e) => errors.Add(e);
            page.Response += (_, r) => { if (r.Status >= 400) errors.Add($"{r.Status} {r.Url}"); };
            await page.GotoAsync(server.BaseAddress.ToString());
            await Expect(page.Locator("#model-info")).ToContainTextAsync(ServerFixture.ModelName);

            // The server has an API key, so the page offers the field; greedy decoding makes the answer predictable.
            await page.FillAsync("#api-key", ServerFixture.ApiKey);
            await page.FillAsync("#temperature", "0");
            await page.FillAsync("#max-tokens", MaxTokens.ToString(CultureInfo.InvariantCulture));
            await page.FillAsync("#seed", "7");

            // Count how often the answer grows, to see it arrive piece by piece rather than at once.
            await page.EvaluateAsync("""
                () => {
                  window.answerUpdates = 0;
                  new MutationObserver(records => {
                    for (const r of records) if (r.target.closest && r.target.closest(".message.assistant")) window.answerUpdates++;
                  }).observe(document.getElementById("conversation"), { childList: true, subtree: true, characterData: true });
                }
                """);
            await page.FillAsync("#message", Message);
            await page.PressAsync("#message", "Enter");
            await Expect(page.Locator("#chat-status")).ToContainTextAsync("done", new() { Timeout = 60_000 });
            var answer = page.Locator(".message.assistant .content").Last;
            Assert.Equal(expectedAnswer, await answer.GetAttributeAsync("data-text"));
            Assert.True(await page.EvaluateAsync<int>("() => window.answerUpdates") > 1, "the answer must stream in several pieces");
            Assert.Equal(prompt, await page.Locator("#prompt-text").TextContentAsync()); // the template-rendered prompt is shown

            // Click the first generated token: its alternatives appear, most likely first; greedy chose the most likely.
            var tokens = answer.Locator(".token");
            Assert.True(await tokens.CountAsync() > 1, "each generated token is its own clickable span (from logprobs)");
            await tokens.First.ClickAsync();
            var alternatives = page.Locator("#alternatives li");
            await Expect(page.Locator("#alternatives")).ToBeVisibleAsync();
            int shown = await alternatives.CountAsync();
            Assert.InRange(shown, 1, 5);
            Assert.Contains("chosen", await alternatives.First.GetAttributeAsync("class") ?? "");
            var percents = new List<double>();
            foreach (var value in await page.Locator("#alternatives li .value").AllTextContentsAsync())
                percents.Add(double.Parse(value.TrimEnd('%'), CultureInfo.InvariantCulture));
            Assert.Equal(percents.OrderByDescending(p => p), percents);
            Assert.True(percents.Sum() <= 100.5, "probabilities of distinct tokens sum to at most 1");

            // Attention: the map drawn for a chosen layer and head holds the model's own values.
            await page.FillAsync("#attention-text", AttentionText);
            await page.ClickAsync("#attention-run");
            await Expect(page.Locator("#attention-status")).ToContainTextAsync("tokens.");
            await page.SelectOptionAsync("#layer", Layer.ToString(CultureInfo.InvariantCulture));
            await page.SelectOptionAsync("#head", Head.ToString(CultureInfo.InvariantCulture));
            await Expect(page.Locator("#attention-canvas")).ToHaveAttributeAsync("data-map", $"layer {Layer} head {Head}");
            var ids = tokenizer.Encode(AttentionText);
            int t = ids.Length, cfgHeads = model.Config.Heads, q = t - 1;
            var all = new Generator(model).CaptureAttention(ids).Span;
            var row = all.Slice(((Layer * cfgHeads + Head) * t + q) * t, t).ToArray();
            int k = Array.IndexOf(row, row.Max());
            var geometry = await page.EvaluateAsync<JsonElement>("() => layout(maps.tokens.length)"); // the page's own cell size and label margin
            float cell = geometry.GetProperty("cell").GetSingle(), margin = geometry.GetProperty("margin").GetSingle();
            await page.Locator("#attention-canvas").HoverAsync(new() { Position = new() { X = margin + (k + 0.5f) * cell, Y = margin + (q + 0.5f) * cell } });
            string status = await page.Locator("#attention-status").TextContentAsync() ?? "";
            var shownValue = Regex.Match(status, @"\(token (\d+)\) → .*\(token (\d+)\): ([0-9.]+)$");
            Assert.True(shownValue.Success, $"hovering a cell names it: '{status}'");
            Assert.Equal(q.ToString(CultureInfo.InvariantCulture), shownValue.Groups[1].Value);
            Assert.Equal(k.ToString(CultureInfo.InvariantCulture), shownValue.Groups[2].Value);
            Assert.Equal(row[k], float.Parse(shownValue.Groups[3].Value, CultureInfo.InvariantCulture), 0.0011f);

            // Keep the token's alternatives open in the picture, then save it as the test artifact.
            await tokens.Nth(1).ClickAsync();
            Directory.CreateDirectory(Path.GetDirectoryName(ScreenshotPath)!);
            await page.ScreenshotAsync(new() { Path = ScreenshotPath, FullPage = true });
            Assert.True(new FileInfo(ScreenshotPath).Length > 10_000);
            Assert.Empty(errors);
        }
        finally
        {
            await browser.CloseAsync();
            Directory.Delete(profile, recursive: true);
        }
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);
}
