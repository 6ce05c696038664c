using System.Globalization;
using SharpLM.Training;
using Spectre.Console;

namespace SharpLM.Cli.Commands;

/// <summary>
/// Shows a training run as it goes: a Spectre.Console progress bar with step, loss, learning
/// rate and tokens/s (plain lines when the output is redirected or not a terminal), a line
/// per evaluation, and Ctrl+C handling that stops after the current step and saves a checkpoint.
/// </summary>
public static class TrainProgressDisplay
{
    /// <summary>Runs <paramref name="run"/> to its last step (or Ctrl+C) with the progress display; returns how it ended.</summary>
    public static TrainingOutcome Run(TrainingRun run, string title)
    {
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (cts.IsCancellationRequested) return;     // a second Ctrl+C ends the process at once
            e.Cancel = true;
            cts.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var options = run.Trainer.Options;
            int startStep = run.Trainer.Step;
            bool interactive = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
            TrainingOutcome outcome;
            if (interactive)
            {
                outcome = AnsiConsole.Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 20 }, new PercentageColumn(),
                        new RemainingTimeColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask(Markup.Escape(title), maxValue: options.MaxSteps);
                        task.Value = startStep;
                        return run.Run(cts.Token, r =>
                        {
                            if (r.ValLoss is { } val)
                                AnsiConsole.MarkupLine(Markup.Escape(EvalLine(r.Step, val, r.ElapsedSeconds) + MetricsText(r)));
                            if (r.TrainLoss is { } loss)
                            {
                                task.Value = r.Step;
                                task.Description = Markup.Escape(CompactLine(r, options.MaxSteps));
                            }
                            if (cts.IsCancellationRequested) task.Description = Markup.Escape("interrupted: saving a checkpoint…");
                        });
                    });
            }
            else
            {
                int every = Math.Max(1, options.MaxSteps / 50);
                outcome = run.Run(cts.Token, r =>
                {
                    if (r.ValLoss is { } val) Console.WriteLine(EvalLine(r.Step, val, r.ElapsedSeconds) + MetricsText(r));
                    else if (r.TrainLoss is not null && (r.Step % every == 0 || r.Step == 1)) Console.WriteLine(StepLine(r, options.MaxSteps));
                });
            }
            if (outcome.Interrupted)
                Console.WriteLine($"interrupted at step {outcome.FinalStep}: checkpoint saved in {run.Directory} (continue with --resume)");
            return outcome;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>One step's summary: step, loss, learning rate and throughput.</summary>
    public static string StepLine(MetricsRecord r, int maxSteps) => string.Create(CultureInfo.InvariantCulture,
        $"step {r.Step}/{maxSteps}  loss {r.TrainLoss:F4}  lr {r.LearningRate:0.00e+0}  {r.TokensPerSecond:N0} tok/s  {r.Gflops:F1} GFLOP/s");

    /// <summary>The progress bar's label: step, loss, learning rate and tokens/s, short enough for an 80-column terminal.</summary>
    public static string CompactLine(MetricsRecord r, int maxSteps) => string.Create(CultureInfo.InvariantCulture,
        $"step {r.Step}/{maxSteps} loss {r.TrainLoss:F3} lr {r.LearningRate:0.0e+0} {Thousands(r.TokensPerSecond ?? 0)} tok/s");

    private static string Thousands(double x) => x >= 10_000 ? $"{x / 1000:F0}k" : x >= 1000 ? $"{x / 1000:F1}k" : $"{x:F0}";

    /// <summary>An evaluation's task metrics (e.g. "  mlm_accuracy 0.412"), empty when it has none.</summary>
    public static string MetricsText(MetricsRecord r) => r.ValMetrics is not { Count: > 0 } m ? "" :
        string.Concat(m.Select(kv => string.Create(CultureInfo.InvariantCulture, $"  {kv.Key} {kv.Value:F4}")));

    /// <summary>One evaluation's summary.</summary>
    public static string EvalLine(int step, double val, double elapsed) => string.Create(CultureInfo.InvariantCulture,
        $"step {step}: val loss {val:F4} (perplexity {Math.Exp(val):F2}) at {elapsed:F1} s");
}
