using SimVae.Cli;

// Ctrl+C (SIGINT) asks the running command to stop: training finishes its step, writes a checkpoint and the tool exits
// with 130. A second Ctrl+C ends the process at once.
using var cancellation = new CancellationTokenSource();
ConsoleCancelEventHandler onCancel = (_, e) =>
{
    if (cancellation.IsCancellationRequested) return;
    e.Cancel = true;
    Console.Error.WriteLine("simvae: stopping after the current step (Ctrl+C again to abort)...");
    cancellation.Cancel();
};
Console.CancelKeyPress += onCancel;
try
{
    return SimVaeCli.Run(args, cancellation.Token);
}
finally
{
    Console.CancelKeyPress -= onCancel;
}
