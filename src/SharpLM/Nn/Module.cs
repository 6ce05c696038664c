using SharpLM.Autograd;

namespace SharpLM.Nn;

/// <summary>
/// A building block of a neural network that owns parameters (weights) and child modules,
/// as PyTorch's nn.Module. Parameters are named by their path, e.g. <c>h.0.attn.c_attn.weight</c>,
/// which is how checkpoints store them.
/// </summary>
public abstract class Module
{
    private readonly List<(string Name, Variable Parameter)> _parameters = new();
    private readonly List<(string Name, Module Child)> _children = new();

    /// <summary>Registers a trainable parameter under <paramref name="name"/> and returns it.</summary>
    protected Variable AddParameter(string name, Variable parameter)
    {
        parameter.RequiresGrad = true;
        _parameters.Add((name, parameter));
        return parameter;
    }

    /// <summary>Registers a child module under <paramref name="name"/> and returns it; an empty name puts the child's parameters directly under this module's path.</summary>
    protected T AddModule<T>(string name, T child) where T : Module
    {
        _children.Add((name, child));
        return child;
    }

    /// <summary>Every parameter of this module and its children, with dotted path names, in a fixed order.</summary>
    public IEnumerable<(string Name, Variable Parameter)> NamedParameters(string prefix = "")
    {
        foreach (var (name, p) in _parameters) yield return (prefix + name, p);
        foreach (var (name, child) in _children)
            foreach (var item in child.NamedParameters(name.Length == 0 ? prefix : prefix + name + "."))
                yield return item;
    }

    /// <summary>Every parameter, in the same order as <see cref="NamedParameters"/>.</summary>
    public IEnumerable<Variable> Parameters() => NamedParameters().Select(p => p.Parameter);

    /// <summary>Total number of trainable numbers (weights).</summary>
    public long ParameterCount() => Parameters().Sum(p => (long)p.Data.Length);

    /// <summary>Drops every parameter's gradient buffer contents (sets them to zero) before a new step.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.Grad?.Clear();
    }
}
