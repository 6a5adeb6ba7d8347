using System.ComponentModel;
using Microsoft.ML.Transforms;

namespace SimVae.MLNet;

/// <summary>
/// Infrastructure: the base of the CustomMapping factories SimVae.MLNet generates for each featurizer stage when a model
/// is loaded with <see cref="SimVaeModelOperations.LoadWithSimVae(Microsoft.ML.MLContext, string, out Microsoft.ML.DataViewSchema, SimVae.Torch.Device?)"/>.
/// ML.NET creates the generated subclass by its contract name and asks it for the per-row mapping. Not for direct use.
/// </summary>
/// <typeparam name="TSrc">The stage's generated input row type.</typeparam>
/// <typeparam name="TDst">The stage's generated output row type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class SimVaeMappingFactory<TSrc, TDst> : CustomMappingFactory<TSrc, TDst>
    where TSrc : class, new()
    where TDst : class, new()
{
    private readonly string id;

    /// <summary>Binds the factory to the registered stage <paramref name="stageId"/>.</summary>
    protected SimVaeMappingFactory(string stageId) => id = stageId;

    /// <summary>The stage's mapping: pixels in, features out.</summary>
    public override Action<TSrc, TDst> GetMapping() => FeaturizerBinding.Get(id).Mapping<TSrc, TDst>();
}
