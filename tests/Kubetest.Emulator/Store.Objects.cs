using k8s;
using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>Stored objects of one simple namespaced resource (configmaps, leases, events) under the store's lock and resourceVersion counter.</summary>
internal sealed partial class Store
{
    /// <summary>
    /// Optimistic concurrency as the API server's: a replace names the resourceVersion it read, none
    /// at all replaces unconditionally (allowed for ConfigMaps, Leases and Events). With a
    /// per-namespace limit the oldest object is dropped for a new one, so a chatty client cannot
    /// grow the emulator without bound.
    /// </summary>
    internal sealed class Objects<T>(Store store, string resource, string group, int? perNamespace)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);
        private readonly Dictionary<string, LinkedList<string>> _created = new(StringComparer.Ordinal);

        public T Add(T item)
        {
            lock (store._lock)
            {
                var key = Key(item.Namespace(), item.Name());
                if (_items.ContainsKey(key))
                {
                    throw Statuses.AlreadyExists(resource, item.Name(), group);
                }

                item.Metadata.ResourceVersion = store.Next();
                _items[key] = Clone(item);
                Remember(item.Namespace(), key);
                return item;
            }
        }

        public T? Get(string ns, string name)
        {
            lock (store._lock)
            {
                return _items.TryGetValue(Key(ns, name), out var item) ? Clone(item) : null;
            }
        }

        public (List<T> Items, string ResourceVersion) List(string ns)
        {
            lock (store._lock)
            {
                return (_items.Values.Where(i => i.Namespace() == ns).OrderBy(i => i.Name(), StringComparer.Ordinal).Select(Clone).ToList(), store._resourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        /// <summary>Stores <paramref name="item"/> in place of the one of its name, keeping what the server owns (uid, creation time).</summary>
        public T Replace(T item)
        {
            lock (store._lock)
            {
                var key = Key(item.Namespace(), item.Name());
                if (!_items.TryGetValue(key, out var stored))
                {
                    throw Statuses.NotFound(resource, item.Name(), group);
                }

                var read = item.Metadata.ResourceVersion;
                if (!string.IsNullOrEmpty(read) && read != stored.Metadata.ResourceVersion)
                {
                    throw Statuses.Conflict(resource, item.Name(), group);
                }

                item.Metadata.Uid = stored.Metadata.Uid;
                item.Metadata.CreationTimestamp = stored.Metadata.CreationTimestamp;
                item.Metadata.ResourceVersion = store.Next();
                _items[key] = Clone(item);
                return item;
            }
        }

        public T? Remove(string ns, string name)
        {
            lock (store._lock)
            {
                var key = Key(ns, name);
                if (!_items.Remove(key, out var item))
                {
                    return null;
                }

                if (_created.TryGetValue(ns, out var order))
                {
                    order.Remove(key);
                }

                return item;
            }
        }

        /// <summary>Removes the objects of <paramref name="ns"/> owned by <paramref name="ownerUid"/> (the garbage collector's work).</summary>
        public int RemoveOwnedBy(string ns, string ownerUid)
        {
            lock (store._lock)
            {
                var owned = _items.Values
                    .Where(i => i.Namespace() == ns && i.Metadata.OwnerReferences?.Any(o => o.Uid == ownerUid) == true)
                    .Select(i => i.Name())
                    .ToList();
                foreach (var name in owned)
                {
                    Remove(ns, name);
                }

                return owned.Count;
            }
        }

        private void Remember(string ns, string key)
        {
            if (perNamespace is not { } limit)
            {
                return;
            }

            if (!_created.TryGetValue(ns, out var order))
            {
                _created[ns] = order = new LinkedList<string>();
            }

            order.AddLast(key);
            while (order.Count > limit)
            {
                _items.Remove(order.First!.Value);
                order.RemoveFirst();
            }
        }
    }
}
