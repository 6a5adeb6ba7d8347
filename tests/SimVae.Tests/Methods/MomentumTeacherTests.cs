using SimVae.Backbones;
using SimVae.Methods;
using TorchSharp;
using static TorchSharp.torch;
using Linear = SimVae.Engine.Linear;

namespace SimVae.Tests.Methods;

[TestClass]
public class MomentumTeacherTests
{
    [TestMethod]
    public void TheTeacherStartsAsTheStudentAndFollowsItsMovingAverage()
    {
        manual_seed(5);
        using var student = new Linear(3, 2);
        using var teacher = new MomentumTeacher([student], [new Linear(3, 2)]);
        var start = student.weight.data<float>().ToArray();
        CollectionAssert.AreEqual(start, teacher.parameters().First().data<float>().ToArray(), "initialised to the student's weights");
        Assert.IsTrue(teacher.parameters().All(p => !p.requires_grad), "the teacher gets no gradients");

        using (no_grad()) student.weight.fill_(1);
        teacher.Update(0.75);
        var expected = start.Select(w => 0.75f * w + 0.25f).ToArray();
        var actual = teacher.parameters().First().data<float>().ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], 1e-6f);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => teacher.Update(1.5));
        Assert.ThrowsExactly<ArgumentException>(() => new MomentumTeacher([student], [new Linear(2, 2)]));
    }

    /// <summary>
    /// A Scalar made by an implicit conversion (t.mul_(0.9)) is unreachable while libtorch reads it, so a garbage collection
    /// then finalizes (frees) it under the call: "Expected false to be true" from c10::Scalar::toDouble, seen in MoCo and
    /// DINO runs of `simvae compare` once in ~5,000 steps. Updates under constant collections must keep their scalars alive.
    /// </summary>
    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public void UpdatesSurviveGarbageCollectionsDuringTheNativeCalls()
    {
        using var student = new Linear(4, 4);
        using var teacher = new MomentumTeacher([student], [new Linear(4, 4)]);
        using var center = zeros(1, 4);
        using var rows = ones(3, 4);
        using var stop = new CancellationTokenSource();
        var collector = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });
        try
        {
            for (int i = 0; i < 200_000; i++)
            {
                teacher.Update(0.99);
                SimVae.Losses.DinoLoss.UpdateCenter(center, rows, 0.9);
            }
        }
        finally
        {
            stop.Cancel();
            collector.Wait();
        }
        Assert.AreEqual(1f, center.mean().item<float>(), 1e-5f, "the center converged to the rows' mean");
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
        using var model = SslModel.Create(new ByolOptions { Backbone = BackboneKind.Conv, Height = 8, Width = 8, ProjectionHidden = 8, ProjectionDim = 4 });
        var trainable = model.TrainableParameters().ToHashSet(ReferenceEqualityComparer.Instance);
        var teacher = model.named_parameters().Where(p => p.name.StartsWith("teacher.", StringComparison.Ordinal)).ToList();
        Assert.IsTrue(teacher.Count > 0 && teacher.All(p => !trainable.Contains(p.parameter)));
        Assert.IsTrue(model.named_parameters().Any(p => p.name.StartsWith("predictor.", StringComparison.Ordinal) && trainable.Contains(p.parameter)));
        Assert.IsTrue(model.state_dict().Keys.Any(k => k.StartsWith("teacher.", StringComparison.Ordinal)), "the teacher is in the state dict (checkpoints, bundles)");
    }

    /// <summary>
    /// The teacher, MoCo's queue and DINO's centre are state: a model loaded from another's state dict continues
    /// exactly as the original does (the same losses, bit for bit, over the next steps).
    /// </summary>
    [TestMethod]
    [DataRow("moco")]
    [DataRow("dino")]
    [DataRow("byol")]
    public void TeacherQueueAndCentreTravelInTheStateDict(string method)
    {
        var options = MethodTrainingTests.Small(method);
        manual_seed(1);
        using var original = SslModel.Create(options);
        using var copy = SslModel.Create(options);
        var views = MethodTrainingTests.Views(options, seed: 2);
        for (int step = 0; step < 3; step++) Step(original, views, step);
        copy.load_state_dict(original.state_dict());
        for (int step = 3; step < 6; step++)
            Assert.AreEqual(Step(original, views, step), Step(copy, views, step), $"{method}: step {step}");
    }

    private static double Step(SslModel model, Tensor views, long step)
    {
        using var scope = NewDisposeScope();
        model.OnTrainingStep(step, 100);
        manual_seed(100 + step);
        return model.Loss(views).Total.ToDouble();
    }
}
