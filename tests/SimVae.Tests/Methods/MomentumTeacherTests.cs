using SimVae.Backbones;
using SimVae.Methods;
using SimVae.Torch;
using SimVae.Torch.Nn;

namespace SimVae.Tests.Methods;

[TestClass]
public class MomentumTeacherTests
{
    [TestMethod]
    public void TheTeacherStartsAsTheStudentAndFollowsItsMovingAverage()
    {
        TorchRuntime.ManualSeed(5);
        using var student = new Linear(3, 2);
        using var teacher = new MomentumTeacher([student], [new Linear(3, 2)]);
        var start = student.Weight.ToArray<float>();
        CollectionAssert.AreEqual(start, teacher.Parameters().First().ToArray<float>(), "initialised to the student's weights");
        Assert.IsTrue(teacher.Parameters().All(p => !p.RequiresGrad), "the teacher gets no gradients");

        using (Autograd.NoGrad()) student.Weight.Fill_(1);
        teacher.Update(0.75);
        var expected = start.Select(w => 0.75f * w + 0.25f).ToArray();
        var actual = teacher.Parameters().First().ToArray<float>();
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], 1e-6f);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => teacher.Update(1.5));
        Assert.ThrowsExactly<ArgumentException>(() => new MomentumTeacher([student], [new Linear(2, 2)]));
    }

    [TestMethod]
    public void MomentumRisesOnBYOLsCosine()
    {
        Assert.AreEqual(0.996, MomentumTeacher.CosineMomentum(0.996, 1, 0, 100), 1e-12);
        Assert.AreEqual(0.998, MomentumTeacher.CosineMomentum(0.996, 1, 50, 100), 1e-12);
        Assert.AreEqual(1, MomentumTeacher.CosineMomentum(0.996, 1, 100, 100), 1e-12);
        Assert.AreEqual(0.999, MomentumTeacher.CosineMomentum(0.999, 0.999, 30, 100), 1e-12, "MoCo: constant");
    }

    [TestMethod]
    public void MomentumModelsTrainOnlyTheStudent()
    {
        using var scope = DisposeScope.Open();
        using var model = SslModel.Create(new ByolOptions { Backbone = BackboneKind.Conv, Height = 8, Width = 8, ProjectionHidden = 8, ProjectionDim = 4 });
        var trainable = model.TrainableParameters().ToHashSet(ReferenceEqualityComparer.Instance);
        var teacher = model.NamedParameters().Where(p => p.Key.StartsWith("teacher.", StringComparison.Ordinal)).ToList();
        Assert.IsTrue(teacher.Count > 0 && teacher.All(p => !trainable.Contains(p.Value)));
        Assert.IsTrue(model.NamedParameters().Any(p => p.Key.StartsWith("predictor.", StringComparison.Ordinal) && trainable.Contains(p.Value)));
        Assert.IsTrue(model.StateDict().Keys.Any(k => k.StartsWith("teacher.", StringComparison.Ordinal)), "the teacher is in the state dict (checkpoints, bundles)");
    }
}
