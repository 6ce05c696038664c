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

    /// <summary>This module and every module below it, with dotted path names (the root is ""), in a fixed order; Hugging Face calls these module names.</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules() => Walk("", this);

    private static IEnumerable<(string Name, Module Module)> Walk(string path, Module module)
    {
        yield return (path, module);
        foreach (var (name, child) in module._children)
        {
            // A child registered under "" shares its parent's path: only its own children get listed.
            var items = name.Length == 0 ? Walk(path, child).Skip(1) : Walk(path.Length == 0 ? name : path + "." + name, child);
            foreach (var item in items) yield return item;
        }
    }

    /// <summary>
    /// What an optimizer should update: the parameters that still require a gradient (frozen ones
    /// are left out, so they get neither gradient buffers nor optimizer moments), followed by the
    /// parameters of the active, unmerged LoRA adapters on the linear layers.
    /// </summary>
    public IEnumerable<(string Name, Variable Parameter)> TrainableParameters()
    {
        foreach (var item in NamedParameters())
            if (item.Parameter.RequiresGrad) yield return item;
        foreach (var (_, module) in NamedModules())
            if (module is Linear linear)
                foreach (var item in linear.AdapterParameters())
                    if (item.Parameter.RequiresGrad) yield return item;
    }

    /// <summary>Number of numbers an optimizer updates (<see cref="TrainableParameters"/>).</summary>
    public long TrainableParameterCount() => TrainableParameters().Sum(p => (long)p.Parameter.Data.Length);

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
