namespace Inbox.Bench;

/// <summary>
/// The three id sets of a run: acknowledged (a 2xx came back), persisted (found in the database) and delivered
/// (received by a client). Lost: acknowledged but not persisted, or persisted but not delivered to a client that
/// should have had it. Duplicated: persisted more than once, or delivered twice to one client.
/// </summary>
public sealed class Reconciliation
{
    public required IReadOnlyCollection<string> Acknowledged { get; init; }
    /// <summary>Every id found in the database, once per row.</summary>
    public required IReadOnlyList<string> Persisted { get; init; }
    /// <summary>Per client: every id it received, once per receipt; and the ids it should have received.</summary>
    public IReadOnlyList<(IReadOnlyList<string> Received, IReadOnlyCollection<string> Expected)> Clients { get; init; } = [];

    public Result Check()
    {
        var persisted = Persisted.ToHashSet();
        var lostInStore = Acknowledged.Where(id => !persisted.Contains(id)).ToList();
        var duplicatedInStore = Duplicates(Persisted);
        List<string> lostInDelivery = [], duplicatedInDelivery = [];
        long delivered = 0, expected = 0;
        var clientsComplete = 0;
        foreach (var (received, shouldHave) in Clients)
        {
            var got = received.ToHashSet();
            var missing = shouldHave.Where(id => !got.Contains(id)).ToList();
            lostInDelivery.AddRange(missing);
            duplicatedInDelivery.AddRange(Duplicates(received));
            delivered += got.Count(shouldHave.Contains);
            expected += shouldHave.Count;
            if (missing.Count == 0) clientsComplete++;
        }
        return new Result(Acknowledged.Count, persisted.Count, delivered, expected, Clients.Count, clientsComplete,
            lostInStore.Count, duplicatedInStore.Count, lostInDelivery.Count, duplicatedInDelivery.Count,
            [.. lostInStore.Concat(lostInDelivery).Distinct().Take(10)], [.. duplicatedInStore.Concat(duplicatedInDelivery).Distinct().Take(10)]);
    }

    private static List<string> Duplicates(IEnumerable<string> ids) =>
        ids.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();

    public sealed record Result(
        int Acknowledged, int Persisted, long Delivered, long Expected, int Clients, int ClientsComplete,
        int LostInStore, int DuplicatedInStore, int LostInDelivery, int DuplicatedInDelivery,
        string[] LostSample, string[] DuplicatedSample)
    {
        public bool Ok => LostInStore + DuplicatedInStore + LostInDelivery + DuplicatedInDelivery == 0;

        public override string ToString() =>
            $"acknowledged {Acknowledged}, persisted {Persisted}, delivered {Delivered}/{Expected} ({ClientsComplete}/{Clients} clients complete); " +
            $"lost {LostInStore} in store, {LostInDelivery} in delivery; duplicated {DuplicatedInStore} in store, {DuplicatedInDelivery} in delivery" +
            (LostSample.Length > 0 ? $"; lost e.g. {string.Join(", ", LostSample)}" : "") +
            (DuplicatedSample.Length > 0 ? $"; duplicated e.g. {string.Join(", ", DuplicatedSample)}" : "");
    }
}
