using System.Collections.Concurrent;
using System.Reflection;
using System.Reflection.Emit;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using SimVae.Pipelines;

namespace SimVae.MLNet;

/// <summary>The element type of a featurizer's input column.</summary>
public enum PixelType
{
    /// <summary><c>Vector&lt;Single&gt;</c>: pixels times <see cref="SslFeaturizeOptions.InputScale"/> in [0, 1].</summary>
    Single,
    /// <summary><c>Vector&lt;Byte&gt;</c>: raw 8-bit pixels.</summary>
    Byte,
}

/// <summary>
/// How one featurizer stage is wired into an ML.NET pipeline: its columns and the model bundle it runs. Stored as
/// JSON next to the bundle inside the ML.NET model zip; its hash names the stage's CustomMapping contract.
/// </summary>
/// <param name="InputColumn">The input column's name.</param>
/// <param name="OutputColumn">The output column's name.</param>
/// <param name="InputType">Element type of the input vector.</param>
/// <param name="InputSize">Length of the input vector, C·H·W.</param>
/// <param name="FeatureLength">Length of the output vector.</param>
/// <param name="InputScale">Factor applied to float inputs to bring them into [0, 1].</param>
/// <param name="BundleSha256">SHA-256 (lowercase hex) of the model bundle's bytes.</param>
public sealed record StageDescription(string InputColumn, string OutputColumn, PixelType InputType, int InputSize, int FeatureLength, float InputScale, string BundleSha256);

/// <summary>
/// A featurizer stage made loadable by ML.NET: the process-wide registry entry that maps a CustomMapping contract name
/// to the loaded encoder, plus the row types and the <see cref="CustomMappingFactoryAttributeAttribute"/>-marked
/// factory emitted for it at run time. ML.NET recreates a CustomMapping on load only from a factory class found by
/// contract name, with the column names and vector sizes its row types declare in attributes; both depend on the
/// stage, so they are generated per stage, in a dynamic assembly named after the stage's id.
/// </summary>
internal sealed class FeaturizerBinding
{
    internal const string PixelsField = "Pixels";
    internal const string FeaturesField = "Features";

    private static readonly ConcurrentDictionary<string, FeaturizerBinding> ById = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<Type, FeaturizerBinding> ByInputType = new();
    private static readonly object EmitLock = new();

    private FeaturizerBinding(string id, StageDescription stage, SslFeaturizerTransformer featurizer, byte[] bundle)
    {
        Id = id;
        Stage = stage;
        Featurizer = featurizer;
        Bundle = bundle;
        ContractName = ContractFor(id, stage.BundleSha256);
        (InputType, OutputType, FactoryAssembly) = Emit(id, stage, ContractName);
    }

    /// <summary>16 hex digits of the SHA-256 of the stage description (bundle hash included).</summary>
    public string Id { get; }

    public StageDescription Stage { get; }

    public SslFeaturizerTransformer Featurizer { get; }

    /// <summary>The model bundle's bytes, as stored in the ML.NET zip.</summary>
    public byte[] Bundle { get; }

    public string ContractName { get; }

    public Type InputType { get; }

    public Type OutputType { get; }

    /// <summary>The dynamic assembly holding the factory; register it with an MLContext's ComponentCatalog before loading.</summary>
    public Assembly FactoryAssembly { get; }

    /// <summary>The marker every SimVae contract name starts with.</summary>
    public const string ContractPrefix = "SimVae.Featurizer/";

    /// <summary>
    /// The contract name of a stage: it pins the bundle's hash and, because ML.NET quotes it when it cannot find the
    /// factory, it also tells a reader of that error what to call.
    /// </summary>
    public static string ContractFor(string id, string bundleSha256) =>
        $"{ContractPrefix}{id}/sha256={bundleSha256} (a SimVae featurizer: load this model with mlContext.LoadWithSimVae(path, out inputSchema) from SimVae.MLNet; mlContext.Model.Load alone cannot restore its encoder)";

    public static string IdOf(StageDescription stage) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(stage))))[..16];

    /// <summary>
    /// The binding for <paramref name="stage"/>: the registered one when the same stage (same bundle, same columns) is
    /// already known (then <paramref name="createFeaturizer"/> is not called), else a new one.
    /// </summary>
    public static FeaturizerBinding GetOrAdd(StageDescription stage, byte[] bundle, Func<SslFeaturizerTransformer> createFeaturizer)
    {
        string id = IdOf(stage);
        if (ById.TryGetValue(id, out var existing)) return existing;
        lock (EmitLock)
        {
            if (ById.TryGetValue(id, out existing)) return existing;
            var binding = new FeaturizerBinding(id, stage, createFeaturizer(), bundle);
            ById[id] = binding;
            ByInputType[binding.InputType] = binding;
            return binding;
        }
    }

    /// <summary>The registered binding with this id.</summary>
    /// <exception cref="InvalidOperationException">No such binding (the model was not loaded through LoadWithSimVae).</exception>
    public static FeaturizerBinding Get(string id) => ById.TryGetValue(id, out var binding) ? binding
        : throw new InvalidOperationException($"no SimVae featurizer with id {id} is loaded in this process; load ML.NET models that hold SimVae featurizers with mlContext.LoadWithSimVae(path, out inputSchema)");

    /// <summary>The binding of a CustomMapping transformer created for a SimVae stage, found from its row type.</summary>
    public static FeaturizerBinding? Find(Type inputRowType) => ByInputType.TryGetValue(inputRowType, out var b) ? b : null;

    /// <summary>
    /// The per-row mapping: reads the pixel vector, scales it to [0, 1] and writes the features. The delegate's method
    /// lives in this assembly, which is what ML.NET records as the contract's assembly in the model zip.
    /// </summary>
    public Action<TSrc, TDst> Mapping<TSrc, TDst>()
    {
        var input = typeof(TSrc).GetField(PixelsField) ?? throw new InvalidOperationException($"{typeof(TSrc)} has no field {PixelsField}");
        var output = typeof(TDst).GetField(FeaturesField) ?? throw new InvalidOperationException($"{typeof(TDst)} has no field {FeaturesField}");
        var featurizer = Featurizer;
        var stage = Stage;
        if (stage.InputType == PixelType.Byte)
        {
            return (src, dst) =>
            {
                var pixels = RequireLength((byte[]?)input.GetValue(src), stage);
                var features = new float[stage.FeatureLength];
                featurizer.TransformOne(pixels, features);
                output.SetValue(dst, features);
            };
        }
        return (src, dst) =>
        {
            var pixels = RequireLength((float[]?)input.GetValue(src), stage);
            var scaled = new float[pixels.Length];
            for (int i = 0; i < pixels.Length; i++)
            {
                float v = pixels[i] * stage.InputScale;
                // Allow for rounding in the producer's scaling; reject values that are clearly out of range.
                if (!(v >= -1e-3f && v <= 1.001f))
                    throw new InvalidOperationException(
                        $"column '{stage.InputColumn}' holds {pixels[i]} at index {i}, which times InputScale {stage.InputScale} is outside [0, 1]; set InputScale so that pixels map to [0, 1] (1/255 for ExtractPixels' default 0–255 output)");
                scaled[i] = Math.Clamp(v, 0f, 1f);
            }
            var features = new float[stage.FeatureLength];
            featurizer.TransformOne(scaled, features);
            output.SetValue(dst, features);
        };
    }

    private static T[] RequireLength<T>(T[]? values, StageDescription stage)
    {
        if (values is null || values.Length != stage.InputSize)
            throw new InvalidOperationException($"column '{stage.InputColumn}' has a row of {values?.Length ?? 0} values; the featurizer takes {stage.InputSize}");
        return values;
    }

    private static (Type Input, Type Output, Assembly Assembly) Emit(string id, StageDescription stage, string contract)
    {
        var name = new AssemblyName($"SimVae.MLNet.Featurizer_{id}");
        var assembly = AssemblyBuilder.DefineDynamicAssembly(name, AssemblyBuilderAccess.Run);
        var module = assembly.DefineDynamicModule(name.Name!);

        Type Row(string kind, string field, Type fieldType, string column, int size)
        {
            var type = module.DefineType($"SimVae.MLNet.Generated.{kind}_{id}", TypeAttributes.Public | TypeAttributes.Sealed | TypeAttributes.Class, typeof(object));
            type.DefineDefaultConstructor(MethodAttributes.Public);
            var member = type.DefineField(field, fieldType, FieldAttributes.Public);
            member.SetCustomAttribute(new CustomAttributeBuilder(typeof(ColumnNameAttribute).GetConstructor([typeof(string)])!, [column]));
            member.SetCustomAttribute(new CustomAttributeBuilder(typeof(VectorTypeAttribute).GetConstructor([typeof(int)])!, [size]));
            return type.CreateType();
        }

        var input = Row("Input", PixelsField, stage.InputType == PixelType.Byte ? typeof(byte[]) : typeof(float[]), stage.InputColumn, stage.InputSize);
        var output = Row("Output", FeaturesField, typeof(float[]), stage.OutputColumn, stage.FeatureLength);

        var baseType = typeof(SimVaeMappingFactory<,>).MakeGenericType(input, output);
        var factory = module.DefineType($"SimVae.MLNet.Generated.Factory_{id}", TypeAttributes.Public | TypeAttributes.Sealed | TypeAttributes.Class, baseType);
        factory.SetCustomAttribute(new CustomAttributeBuilder(typeof(CustomMappingFactoryAttributeAttribute).GetConstructor([typeof(string)])!, [contract]));
        var baseConstructor = baseType.GetConstructor(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public, [typeof(string)])!;
        var constructor = factory.DefineConstructor(MethodAttributes.Public, CallingConventions.Standard, Type.EmptyTypes);
        var il = constructor.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldstr, id);
        il.Emit(OpCodes.Call, baseConstructor);
        il.Emit(OpCodes.Ret);
        factory.CreateType();
        return (input, output, assembly);
    }
}
