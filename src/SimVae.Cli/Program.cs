using System.Runtime.InteropServices;
using SimVae.Cli;

// Ctrl+C (SIGINT) and SIGTERM ask the running command to stop: training finishes its step, writes a checkpoint and the
// tool exits with 130. A second Ctrl+C ends the process at once; a SIGTERM while stopping is ignored (the launcher of a
// data-parallel run forwards it to workers that may have had the Ctrl+C already).
using var cancellation = new CancellationTokenSource();
void OnSignal(PosixSignalContext context)
{
    if (cancellation.IsCancellationRequested)
    {
        context.Cancel = context.Signal == PosixSignal.SIGTERM; // SIGINT again: default handling ends the process
        return;
    }
    context.Cancel = true;
    Console.Error.WriteLine($"simvae: {(context.Signal == PosixSignal.SIGTERM ? "SIGTERM" : "Ctrl+C")}: stopping after the current step (Ctrl+C again to abort)...");
    cancellation.Cancel();
}
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
return SimVaeCli.Run(args, cancellation.Token);
