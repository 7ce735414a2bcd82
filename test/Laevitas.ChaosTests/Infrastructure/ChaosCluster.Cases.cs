using Laevitas.Testing;
using System.Globalization;
using Laevitas.ChaosTests.Reporting;
using Laevitas.LocalInfrastructure.Kafka;
using Laevitas.LocalInfrastructure.Postgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Laevitas.ChaosTests.Infrastructure;

// A case's life: begun from a healthy, caught-up system, ended once its window is stored (or given up on) and reconciled.
public sealed partial class ChaosCluster
{
    /// <summary>
    /// Brings the system back to the baseline (every slot running and Active, database and broker up, no exchange
    /// fault) and opens a case window at the current time.
    /// </summary>
    public async Task<ChaosCase> BeginCaseAsync(string id, int order, string fault, string duration)
    {
        Simulator.Faults.EndSilence();
        Simulator.Faults.AcceptConnections();
        Kafka.SetAllBrokersUp();
        Kafka.SetAllBrokersRtt(TimeSpan.Zero);
        if (!Postgres.IsRunning)
        {
            await StartPostgresAsync();
        }

        foreach (var silo in silos)
        {
            if (!silo.IsRunning)
            {
                var generation = (await MembershipRowAsync(silo))?.Generation ?? 0;
                silo.Start();
                await WaitActiveAsync(silo, generation);
            }
        }

        await WaitForLeaderAsync();
        var chaosCase = new ChaosCase(id, order, fault, duration, HighWatermarks());
        Console.WriteLine($"[{id}] begins at {chaosCase.StartMs}; logs in {LogDirectory}; {DescribeSilos()}");
        return chaosCase;
    }

    /// <summary>
    /// Closes the case: measures recovery (every tick emitted before the fault ended is stored), closes the window,
    /// waits for the pipeline to store the whole window, reconciles it exactly, records the row for the report.
    /// The caller asserts on the returned reconciliation.
    /// </summary>
    public async Task<Reconciliation> EndCaseAsync(ChaosCase chaosCase, string notes = "")
    {
        double? recovery = null;
        try
        {
            if (chaosCase.FaultEndMs is { } end)
            {
                await WaitStoredAsync(chaosCase, end, "every tick emitted before the fault ended to be stored");
                recovery = (NowMs() - end) / 1000.0;
            }

            chaosCase.EndMs = NowMs();
            // Ticks are written to sockets moments after they are stamped: let the window's last ones go out.
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            await WaitStoredAsync(chaosCase, chaosCase.EndMs, "every tick of the window to be stored");
        }
        catch (TimeoutException ex)
        {
            // Something is missing for good: close the window shortly after the fault and reconcile what is there.
            Console.WriteLine($"[{chaosCase.Id}] {ex.Message}");
            chaosCase.EndMs = (chaosCase.FaultEndMs ?? chaosCase.StartMs) + 2_000;
        }

        // Whatever is still on its way (ticks an allowance covers may be late rather than lost) has reached the
        // writers once the writer group has committed everything the topic holds now.
        await WaitDrainedAsync();
        var result = await ReconcileAsync(chaosCase, chaosCase.EndMs, withKafka: true);
        var passed = result.MissingUnexpected == 0 && result.Phantom.Count == 0 && result.Duplicates == 0 && result.ValuesDiffering.Count == 0;
        if (result.Missing.Count > 0)
        {
            chaosCase.Notes.Add($"{result.MissingOnKafka} of the missing ticks reached Kafka");
        }

        Report.Add(new FaultResult
        {
            Id = chaosCase.Id,
            Order = chaosCase.Order,
            Fault = chaosCase.Fault,
            Duration = chaosCase.Duration,
            TicksEmitted = result.Emitted,
            Ledger = chaosCase.AgainstMarket ? "market" : "sent",
            RowsStored = result.Stored,
            Duplicates = result.Duplicates,
            KafkaRepeats = result.KafkaDuplicates,
            ValuesCompared = result.ValuesCompared,
            ValuesDiffering = result.ValuesDiffering.Count,
            ExpectedMissingBound = result.ExpectedBound,
            Missing = result.Missing.Count,
            RecoverySeconds = recovery,
            Passed = passed,
            Notes = string.Join("; ", new[] { notes }.Concat(chaosCase.Notes).Where(n => n.Length > 0)),
            Mode = ChaosSettings.Soak ? "soak" : "ci",
            RanAt = DateTimeOffset.UtcNow,
        });
        Console.WriteLine($"[{chaosCase.Id}] {result.Describe()}; recovery {recovery?.ToString("0.0", CultureInfo.InvariantCulture) ?? "-"} s; {DescribeSilos()}");
        return result;
    }

    /// <summary>Waits until the writers' consumer group has committed every message the topic holds now.</summary>
    public async Task WaitDrainedAsync()
    {
        var target = HighWatermarks();
        long[] committed = [];
        try
        {
            await Eventually.TrueAsync(
                () =>
                {
                    committed = CommittedOffsets();
                    return committed.Zip(target).All(p => p.First >= p.Second);
                },
                ChaosSettings.Patience, "the writers to commit everything on the topic",
                () => $"committed [{string.Join(",", committed)}] of [{string.Join(",", target)}]; {DescribeSilos()}");
        }
        catch (TimeoutException ex)
        {
            // Reconcile anyway: the missing ticks are then reported, with where they were lost.
            Console.WriteLine(ex.Message);
        }
    }

    private async Task WaitStoredAsync(ChaosCase chaosCase, long upToMs, string what)
    {
        Reconciliation? last = null;
        await Eventually.TrueAsync(
            async () =>
            {
                last = await ReconcileAsync(chaosCase, upToMs, withKafka: false);
                return last.MissingUnexpected == 0;
            },
            ChaosSettings.Patience, what, () => $"{last?.Describe()}; {DescribeSilos()}");
    }
}
