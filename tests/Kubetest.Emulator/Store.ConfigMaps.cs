using k8s;
using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>ConfigMaps, with the API server's optimistic concurrency: a replace names the resourceVersion it read.</summary>
internal sealed partial class Store
{
    private readonly Dictionary<string, V1ConfigMap> _configMaps = new(StringComparer.Ordinal);

    public V1ConfigMap AddConfigMap(V1ConfigMap configMap)
    {
        lock (_lock)
        {
            var key = Key(configMap.Namespace(), configMap.Name());
            if (_configMaps.ContainsKey(key))
            {
                throw Statuses.AlreadyExists("configmaps", configMap.Name());
            }

            configMap.Metadata.ResourceVersion = Next();
            _configMaps[key] = Clone(configMap);
            return configMap;
        }
    }

    public V1ConfigMap? GetConfigMap(string ns, string name)
    {
        lock (_lock)
        {
            return _configMaps.TryGetValue(Key(ns, name), out var configMap) ? Clone(configMap) : null;
        }
    }

    public (List<V1ConfigMap> Items, string ResourceVersion) ListConfigMaps(string ns)
    {
        lock (_lock)
        {
            return (_configMaps.Values.Where(m => m.Namespace() == ns).OrderBy(m => m.Name(), StringComparer.Ordinal).Select(Clone).ToList(), _resourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// Stores <paramref name="configMap"/> in place of the one of that name. A resourceVersion other
    /// than the stored one is a 409 Conflict; none at all is an unconditional update, which the API
    /// server allows for ConfigMaps. What the server owns (uid, creation time) is kept.
    /// </summary>
    public V1ConfigMap ReplaceConfigMap(V1ConfigMap configMap)
    {
        lock (_lock)
        {
            var key = Key(configMap.Namespace(), configMap.Name());
            if (!_configMaps.TryGetValue(key, out var stored))
            {
                throw Statuses.NotFound("configmaps", configMap.Name());
            }

            var read = configMap.Metadata.ResourceVersion;
            if (!string.IsNullOrEmpty(read) && read != stored.Metadata.ResourceVersion)
            {
                throw Statuses.Conflict("configmaps", configMap.Name());
            }

            configMap.Metadata.Uid = stored.Metadata.Uid;
            configMap.Metadata.CreationTimestamp = stored.Metadata.CreationTimestamp;
            configMap.Metadata.ResourceVersion = Next();
            _configMaps[key] = Clone(configMap);
            return configMap;
        }
    }

    public V1ConfigMap? RemoveConfigMap(string ns, string name)
    {
        lock (_lock)
        {
            return _configMaps.Remove(Key(ns, name), out var configMap) ? configMap : null;
        }
    }
}
