using SimVae.Torch.Tests.TestSupport;

namespace SimVae.Torch.Tests.Ops;

[TestClass]
public class MathTests
{
    [TestMethod]
    public void AddSubMulDiv_TensorTensor_WithAlphaAndBroadcasting()
    {
        using var scope = DisposeScope.Open();
        var a = T.F([1, 2, 3, 4, 5, 6], 2, 3);
        var row = T.F([10, 20, 30], 1, 3);
        var col = T.F([100, 200], 2, 1);
        TensorAssert.Exact(a.Add(row), new float[] { 11, 22, 33, 14, 25, 36 }, [2, 3]);
        // a + 2*row
        TensorAssert.Exact(a.Add(row, 2), new float[] { 21, 42, 63, 24, 45, 66 }, [2, 3]);
        // a - 0.5*col: 1-50, 2-50, ... 4-100 ...
        TensorAssert.Exact(a.Sub(col, 0.5), new float[] { -49, -48, -47, -96, -95, -94 }, [2, 3]);
        TensorAssert.Exact(a.Mul(col), new float[] { 100, 200, 300, 800, 1000, 1200 }, [2, 3]);
        TensorAssert.Exact(row.Div(a), new float[] { 10, 10, 10, 2.5f, 4, 5 }, [2, 3]);
        // (2,1) + (1,3) -> (2,3): outer sum
        TensorAssert.Exact(col.Add(row), new float[] { 110, 120, 130, 210, 220, 230 }, [2, 3]);
    }

    [TestMethod]
    public void ScalarArithmetic()
    {
        using var scope = DisposeScope.Open();
        var a = T.F([1, 2, 4]);
        TensorAssert.Exact(a.Add(0.5), new float[] { 1.5f, 2.5f, 4.5f }, [3]);
        TensorAssert.Exact(a.Mul(3), new float[] { 3, 6, 12 }, [3]);
        TensorAssert.Exact(a.Div(4), new float[] { 0.25f, 0.5f, 1 }, [3]);
        TensorAssert.Exact(a.Neg(), new float[] { -1, -2, -4 }, [3]);
        TensorAssert.Exact(a.Reciprocal(), new float[] { 1, 0.5f, 0.25f }, [3]);
        // int64 stays int64 with an integral scalar; int64 / int64 is true division (float)
        var i = T.L([1, 2, 3]);
        TensorAssert.Exact(i.Add(2), new long[] { 3, 4, 5 }, [3]);
        TensorAssert.Exact(i.Mul(2), new long[] { 2, 4, 6 }, [3]);
        TensorAssert.Exact(i.Div(T.L([2, 2, 2])), new float[] { 0.5f, 1, 1.5f }, [3]);
        TensorAssert.Exact(i.Div(2), new float[] { 0.5f, 1, 1.5f }, [3]);
        TensorAssert.Exact(i.Add(0.5), new float[] { 1.5f, 2.5f, 3.5f }, [3]);
        TensorAssert.Exact(i - 1, new long[] { 0, 1, 2 }, [3]);
        TensorAssert.Exact(10 - i, new long[] { 9, 8, 7 }, [3]);
        TensorAssert.Exact(i * 3, new long[] { 3, 6, 9 }, [3]);
        TensorAssert.Exact(i.Pow(2), new long[] { 1, 4, 9 }, [3]);
        TensorAssert.Exact(i.Remainder(2), new long[] { 1, 0, 1 }, [3]);
        var j = T.L([1, 2]);
        j.Mul_(3);
        TensorAssert.Exact(j, new long[] { 3, 6 }, [2]);
        // float tensors are unaffected by integral scalars; -0.0 stays a double (keeps the sign of zero)
        TensorAssert.Exact(T.F([1.5f]).Mul(2), new float[] { 3 }, [1]);
        Assert.IsTrue(float.IsNegative(T.F([1]).Mul(-0.0).Item<float>()));
    }

    [TestMethod]
    public void CSharpOperators()
    {
        using var scope = DisposeScope.Open();
        var a = T.D([1, 2, 4]);
        var b = T.D([4, 5, 8]);
        TensorAssert.Exact(a + b, new double[] { 5, 7, 12 }, [3]);
        TensorAssert.Exact(a + 1, new double[] { 2, 3, 5 }, [3]);
        TensorAssert.Exact(1 + a, new double[] { 2, 3, 5 }, [3]);
        TensorAssert.Exact(a - b, new double[] { -3, -3, -4 }, [3]);
        TensorAssert.Exact(a - 1, new double[] { 0, 1, 3 }, [3]);
        TensorAssert.Exact(10 - a, new double[] { 9, 8, 6 }, [3]);
        TensorAssert.Exact(-a, new double[] { -1, -2, -4 }, [3]);
        TensorAssert.Exact(a * b, new double[] { 4, 10, 32 }, [3]);
        TensorAssert.Exact(a * 2, new double[] { 2, 4, 8 }, [3]);
        TensorAssert.Exact(2 * a, new double[] { 2, 4, 8 }, [3]);
        TensorAssert.Exact(b / a, new double[] { 4, 2.5, 2 }, [3]);
        TensorAssert.Exact(a / 2, new double[] { 0.5, 1, 2 }, [3]);
        TensorAssert.Exact(8 / a, new double[] { 8, 4, 2 }, [3]);
    }

    [TestMethod]
    public void PowExpLogAndRoots()
    {
        using var scope = DisposeScope.Open();
        var a = T.D([1, 4, 9]);
        TensorAssert.Exact(a.Pow(2), new double[] { 1, 16, 81 }, [3]);
        TensorAssert.Close(a.Pow(0.5), [1, 2, 3], [3], 1e-12);
        // elementwise exponent: 1^3, 4^0.5, 9^-1
        TensorAssert.Close(a.Pow(T.D([3, 0.5, -1])), [1, 2, 1.0 / 9], [3], 1e-12);
        TensorAssert.Close(a.Sqrt(), [1, 2, 3], [3], 1e-12);
        TensorAssert.Close(a.Rsqrt(), [1, 0.5, 1.0 / 3], [3], 1e-12);
        TensorAssert.Exact(a.Square(), new double[] { 1, 16, 81 }, [3]);
        var x = T.D([0, 1, -2]);
        TensorAssert.Close(x.Exp(), [1, Math.E, Math.Exp(-2)], [3], 1e-12);
        TensorAssert.Close(a.Log(), [0, Math.Log(4), Math.Log(9)], [3], 1e-12);
        // log1p is accurate near 0: log1p(1e-10) = 1e-10 - 5e-21
        TensorAssert.Close(T.D([1e-10, 1, -0.5]).Log1p(), [1e-10 - 5e-21, Math.Log(2), Math.Log(0.5)], [3], 1e-14);
        TensorAssert.Close(T.D([-1]).Log(), [double.NaN], [1]);
        TensorAssert.Close(T.D([0]).Log(), [double.NegativeInfinity], [1]);
    }

    [TestMethod]
    public void AbsSignFloorRoundSinCosRemainder()
    {
        using var scope = DisposeScope.Open();
        var x = T.F([-1.5f, 0, 2.5f, -0.5f, 1.5f]);
        TensorAssert.Exact(x.Abs(), new float[] { 1.5f, 0, 2.5f, 0.5f, 1.5f }, [5]);
        TensorAssert.Exact(x.Sign(), new float[] { -1, 0, 1, -1, 1 }, [5]);
        TensorAssert.Exact(x.Floor(), new float[] { -2, 0, 2, -1, 1 }, [5]);
        // round half to even: -1.5 -> -2, 2.5 -> 2, -0.5 -> -0, 1.5 -> 2
        TensorAssert.Exact(x.Round(), new float[] { -2, 0, 2, 0, 2 }, [5]);
        TensorAssert.Exact(T.L([-3, 0, 4]).Abs(), new long[] { 3, 0, 4 }, [3]);
        var angles = T.D([0, Math.PI / 2, Math.PI]);
        TensorAssert.Close(angles.Sin(), [0, 1, 0], [3], 1e-12);
        TensorAssert.Close(angles.Cos(), [1, 0, -1], [3], 1e-12);
        // Python-style remainder takes the sign of the divisor: -3 % 2 = 1, 5.5 % 2 = 1.5, -0.5 % 2 = 1.5
        TensorAssert.Exact(T.F([-3, 3, 5.5f, -0.5f]).Remainder(2), new float[] { 1, 1, 1.5f, 1.5f }, [4]);
        TensorAssert.Exact(T.F([3, -3]).Remainder(-2), new float[] { -1, -1 }, [2]);
    }

    [TestMethod]
    public void ClampMaximumMinimumLerp()
    {
        using var scope = DisposeScope.Open();
        var x = T.F([-2, -0.5f, 0.5f, 3]);
        TensorAssert.Exact(x.Clamp(-1, 1), new float[] { -1, -0.5f, 0.5f, 1 }, [4]);
        TensorAssert.Exact(x.Clamp(min: 0), new float[] { 0, 0, 0.5f, 3 }, [4]);
        TensorAssert.Exact(x.Clamp(max: 0), new float[] { -2, -0.5f, 0, 0 }, [4]);
        Assert.ThrowsExactly<TorchException>(() => x.Clamp()); // as in PyTorch: at least one bound
        // integer tensors keep their dtype with integral bounds, and promote with fractional ones
        TensorAssert.Exact(T.L([-5, 0, 5]).Clamp(-1.5, 2.5), new float[] { -1.5f, 0, 2.5f }, [3]);
        TensorAssert.Exact(T.L([-5, 0, 5]).Clamp(-1, 2), new long[] { -1, 0, 2 }, [3]);
        var y = T.F([0, 0, 1, 1]);
        TensorAssert.Exact(x.Maximum(y), new float[] { 0, 0, 1, 3 }, [4]);
        TensorAssert.Exact(x.Minimum(y), new float[] { -2, -0.5f, 0.5f, 1 }, [4]);
        // broadcast a (2,1) against (1,2)
        TensorAssert.Exact(T.F([1, 4], 2, 1).Maximum(T.F([2, 3], 1, 2)), new float[] { 2, 3, 4, 4 }, [2, 2]);
        // lerp: start + w * (end - start)
        TensorAssert.Exact(T.F([0, 10, 2]).Lerp(T.F([4, 20, 2]), T.F([0.25f, 0.5f, 1])), new float[] { 1, 15, 2 }, [3]);
    }

    [TestMethod]
    public void MatrixProducts()
    {
        using var scope = DisposeScope.Open();
        var a = T.F([1, 2, 3, 4, 5, 6], 2, 3);
        var b = T.F([1, 0, 0, 1, 2, 3], 3, 2);
        // [1 2 3; 4 5 6] @ [1 0; 0 1; 2 3] = [1+6, 2+9; 4+12, 5+18]
        var expected = new float[] { 7, 11, 16, 23 };
        TensorAssert.Exact(a.MatMul(b), expected, [2, 2]);
        TensorAssert.Exact(a.Mm(b), expected, [2, 2]);
        // matmul: matrix @ vector, vector @ vector, batch-broadcast
        TensorAssert.Exact(a.MatMul(T.F([1, 1, 1])), new float[] { 6, 15 }, [2]);
        TensorAssert.Exact(T.F([1, 2, 3]).MatMul(T.F([4, 5, 6])), new float[] { 32 }, []);
        var batch = T.Seq(2, 2, 3); // [[0 1 2;3 4 5],[6 7 8;9 10 11]]
        TensorAssert.Exact(batch.MatMul(b), new float[] { 4, 7, 13, 19, 22, 31, 31, 43 }, [2, 2, 2]);
        TensorAssert.Exact(batch.Bmm(Tensor.Stack([b, b])), new float[] { 4, 7, 13, 19, 22, 31, 31, 43 }, [2, 2, 2]);
        TensorAssert.Exact(T.F([1, 2]).Outer(T.F([3, 4, 5])), new float[] { 3, 4, 5, 6, 8, 10 }, [2, 3]);
        // addmm: beta*C + alpha*(A@B) = 0.5*[10 10;10 10] + 2*[7 11;16 23]
        var c = Tensor.Full([2, 2], 10);
        TensorAssert.Exact(c.Addmm(a, b, beta: 0.5, alpha: 2), new float[] { 19, 27, 37, 51 }, [2, 2]);
        TensorAssert.Exact(c.Addmm(a, b), new float[] { 17, 21, 26, 33 }, [2, 2]);
        // bias broadcast in addmm
        TensorAssert.Exact(T.F([1, -1]).Addmm(a, b), new float[] { 8, 10, 17, 22 }, [2, 2]);
    }

    [TestMethod]
    public void InPlaceOps_ModifyTheTensorAndReturnIt()
    {
        using var scope = DisposeScope.Open();
        var x = T.F([1, 2, 3]);
        Assert.AreSame(x, x.Add_(T.F([1, 1, 1]), 2));
        TensorAssert.Exact(x, new float[] { 3, 4, 5 }, [3]);
        Assert.AreSame(x, x.Mul_(-1));
        TensorAssert.Exact(x, new float[] { -3, -4, -5 }, [3]);
        Assert.AreSame(x, x.Fill_(7));
        TensorAssert.Exact(x, new float[] { 7, 7, 7 }, [3]);
        Assert.AreSame(x, x.Zero_());
        TensorAssert.Exact(x, new float[] { 0, 0, 0 }, [3]);
        // copy_ broadcasts and converts the dtype
        Assert.AreSame(x, x.Copy_(T.D([2.5])));
        TensorAssert.Exact(x, new float[] { 2.5f, 2.5f, 2.5f }, [3]);
        var m = Tensor.Zeros(2, 2);
        m.Copy_(T.L([1, 2], 1, 2));
        TensorAssert.Exact(m, new float[] { 1, 2, 1, 2 }, [2, 2]);
        // in-place on a view writes through to the base tensor
        var baseT = T.F([1, 2, 3, 4], 2, 2);
        using (var row = baseT.Select(0, 1)) row.Fill_(9);
        TensorAssert.Exact(baseT, new float[] { 1, 2, 9, 9 }, [2, 2]);
    }
}
