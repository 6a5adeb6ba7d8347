using System.Text.Json.Serialization.Metadata;

namespace SimVae.Methods;

/// <summary>A method the library knows: its name, a one-line description and its paper's default options.</summary>
/// <param name="Name">The name used by the CLI, comparisons and reports (e.g. <c>simvae</c>, <c>byol</c>).</param>
/// <param name="Description">The method and its paper.</param>
/// <param name="OptionsType">The options record that selects the model.</param>
/// <param name="CreateDefaults">The paper's defaults for 1×28×28 images.</param>
public sealed record SslMethod(string Name, string Description, Type OptionsType, Func<SslOptions> CreateDefaults);

/// <summary>
/// The method registry: one table of name → options type with its paper's defaults → model. The CLI (<c>simvae
/// train/compare</c>), the comparison runner, model bundles (the JSON
/// <c>method</c> field) and the ML.NET adapter all read it, so a new method is its options, model and loss files plus
/// one line here.
/// </summary>
public static class SslMethods
{
    private static readonly List<SslMethod> Table = [];
    private static readonly Dictionary<Type, (string Discriminator, Func<SslOptions, SslModel> Create)> Models = [];

    static SslMethods()
    {
        Add<SimVaeOptions>("simvae", "SimVAE (Bizeul, Schölkopf, Allen 2024)", () => new(), o => new SimVaeModel(o));
        Add<SimVaeOptions>("vae", "VAE on augmented views (Kingma & Welling 2014)", SimVaeOptions.Vae, o => new SimVaeModel(o));
        Add<SimVaeOptions>("beta-vae", "β-VAE on augmented views (Higgins et al. 2017)", () => SimVaeOptions.BetaVae(), o => new SimVaeModel(o));
        Add<SimClrOptions>("simclr", "SimCLR (Chen et al. 2020)", () => new(), o => new SimClrModel(o));
        Add<VicRegOptions>("vicreg", "VICReg (Bardes, Ponce, LeCun 2022)", () => new(), o => new VicRegModel(o));
        Add<CrVaeOptions>("cr-vae", "Consistency-regularised VAE (Sinha & Dieng 2021)", () => new(), o => new CrVaeModel(o));
        Add<MoCoOptions>("moco", "MoCo v2 (Chen, Fan, Girshick, He 2020)", () => new(), o => new MoCoModel(o));
        Add<ByolOptions>("byol", "BYOL (Grill et al. 2020)", () => new(), o => new ByolModel(o));
        Add<BarlowTwinsOptions>("barlow-twins", "Barlow Twins (Zbontar et al. 2021)", () => new(), o => new BarlowTwinsModel(o));
        Add<DinoOptions>("dino", "DINO (Caron et al. 2021)", () => new(), o => new DinoModel(o));
    }

    /// <summary>Every method, in the order of the table.</summary>
    public static IReadOnlyList<SslMethod> All => Table;

    /// <summary>The method names, in the order of the table.</summary>
    public static IReadOnlyList<string> Names => [.. Table.Select(m => m.Name)];

    /// <summary>The method called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No method has that name; the message lists the known ones.</exception>
    public static SslMethod Get(string name) =>
        Table.FirstOrDefault(m => m.Name == name)
        ?? throw new ArgumentException($"unknown method '{name}'; expected one of {string.Join(", ", Names)}", nameof(name));

    /// <summary>The paper's default options of the method called <paramref name="name"/> (1×28×28 images).</summary>
    public static SslOptions Defaults(string name) => Get(name).CreateDefaults();

    /// <summary>Creates the model <paramref name="options"/> describe (seed libtorch first for reproducible weights).</summary>
    /// <exception cref="ArgumentException">The options' type is not registered.</exception>
    public static SslModel CreateModel(SslOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Models.TryGetValue(options.GetType(), out var entry)
            ? entry.Create(options)
            : throw new ArgumentException($"no model for {options.GetType().Name}; register it in {nameof(SslMethods)}", nameof(options));
    }

    /// <summary>The JSON <c>method</c> values of bundles (one per options type: the first name it was registered with).</summary>
    public static IReadOnlyList<string> Discriminators => [.. Models.Values.Select(m => m.Discriminator)];

    /// <summary>
    /// A System.Text.Json type resolver that serialises <see cref="SslOptions"/> polymorphically, its <c>method</c> field
    /// naming the registered options type; use it (as model bundles do) wherever options are written or read as JSON.
    /// </summary>
    public static IJsonTypeInfoResolver JsonResolver { get; } = new DefaultJsonTypeInfoResolver { Modifiers = { AddDerivedTypes } };

    private static void AddDerivedTypes(JsonTypeInfo info)
    {
        if (info.Type != typeof(SslOptions)) return;
        var polymorphism = new JsonPolymorphismOptions { TypeDiscriminatorPropertyName = "method" };
        foreach (var (type, entry) in Models) polymorphism.DerivedTypes.Add(new JsonDerivedType(type, entry.Discriminator));
        info.PolymorphismOptions = polymorphism;
    }

    private static void Add<TOptions>(string name, string description, Func<TOptions> defaults, Func<TOptions, SslModel> create) where TOptions : SslOptions
    {
        Table.Add(new SslMethod(name, description, typeof(TOptions), () => defaults()));
        Models.TryAdd(typeof(TOptions), (name, o => create((TOptions)o)));
    }
}
