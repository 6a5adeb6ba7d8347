using SimVae.Backbones;
using SimVae.Methods;

namespace SimVae.Tests.Methods;

/// <summary>The named presets: what they hold, how they combine with any method's options, and unknown names.</summary>
[TestClass]
public class SslPresetTests
{
    [TestMethod]
    public void TheRecommendedPresetIsConvolutionalSimVaeAndThePaperPresetTheAuthorsConfiguration()
    {
        var recommended = (SimVaeOptions)SslPresets.Recommended.CreateOptions();
        Assert.AreEqual(BackboneKind.Conv, recommended.Backbone);
        Assert.AreEqual(SslPresets.RecommendedLatentDim, recommended.LatentDim);
        Assert.AreEqual(3e-4, recommended.LearningRate);
        Assert.AreEqual(SslPresets.RecommendedEpochs, SslPresets.Recommended.Epochs);
        recommended.Validate();

        // The paper preset is the options' own defaults: the authors' MLP, d = 10, Adam 8e-5.
        Assert.AreEqual(new SimVaeOptions(), SslPresets.Paper.CreateOptions());
        Assert.AreEqual(5, SslPresets.Paper.Epochs);
    }

    [TestMethod]
    public void APresetGivesAnyMethodItsEncoderAndDButItsLearningRateOnlyToItsOwnMethod()
    {
        var simclr = SslPresets.Recommended.Apply(new SimClrOptions(), "simclr");
        Assert.AreEqual(BackboneKind.Conv, simclr.Backbone);
        Assert.AreEqual(SslPresets.RecommendedLatentDim, simclr.LatentDim);
        Assert.AreEqual(new SimClrOptions().LearningRate, simclr.LearningRate, "SimCLR keeps its own paper's learning rate");
        Assert.AreEqual(new SimClrOptions().Temperature, ((SimClrOptions)simclr).Temperature, "the method's other settings are kept");
    }

    [TestMethod]
    public void AnUnknownPresetIsRefusedNamingTheKnownOnes()
    {
        Assert.AreSame(SslPresets.Paper, SslPresets.Get("paper"));
        var e = Assert.ThrowsExactly<ArgumentException>(() => SslPresets.Get("fast"));
        StringAssert.Contains(e.Message, "'fast'");
        StringAssert.Contains(e.Message, "recommended, paper");
    }
}
