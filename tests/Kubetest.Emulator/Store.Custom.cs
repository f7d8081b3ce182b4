using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Kubetest.Emulator;

/// <summary>A custom resource watch event as it was at <see cref="ResourceVersion"/>; <see cref="Object"/> is a frozen copy.</summary>
internal sealed record ObjectEvent(long ResourceVersion, string Type, string Crd, JsonObject Object);

/// <summary>CustomResourceDefinitions and their (untyped) custom resources, under the store's lock and resourceVersion counter.</summary>
internal sealed partial class Store
{
    /// <summary>
    /// CRDs and custom resources. Custom resources have their own bounded event history for watches;
    /// finally removing one deletes what names it as an owner (background propagation of the garbage collector).
    /// </summary>
    internal sealed class CustomObjects(Store store) : IWatchSource<ObjectEvent>
    {
        private readonly Dictionary<string, Crd> _crds = new(StringComparer.Ordinal);
        private readonly Dictionary<string, JsonObject> _items = new(StringComparer.Ordinal);
        private readonly LinkedList<ObjectEvent> _history = new();
        private readonly List<Channel<ObjectEvent>> _watchers = [];
        private long _compacted;

        public long ResourceVersion => store.ResourceVersion;

        public Crd AddCrd(Crd crd)
        {
            lock (store._lock)
            {
                if (_crds.ContainsKey(crd.Name))
                {
                    throw Statuses.AlreadyExists("customresourcedefinitions", crd.Name, Emulator.Crd.ApiGroup);
                }

                if (_crds.Values.FirstOrDefault(c => c.Group == crd.Group && c.Plural == crd.Plural) is { } other)
                {
                    throw Statuses.AlreadyExists("customresourcedefinitions", other.Name, Emulator.Crd.ApiGroup);
                }

                crd.Json["metadata"]!["resourceVersion"] = store.Next();
                _crds[crd.Name] = crd;
                return crd;
            }
        }

        public Crd? Crd(string name)
        {
            lock (store._lock)
            {
                return _crds.GetValueOrDefault(name);
            }
        }

        public Crd? Crd(string group, string plural)
        {
            lock (store._lock)
            {
                return _crds.Values.FirstOrDefault(c => c.Group == group && c.Plural == plural);
            }
        }

        public (List<Crd> Items, string ResourceVersion) Crds()
        {
            lock (store._lock)
            {
                return (_crds.Values.OrderBy(c => c.Name, StringComparer.Ordinal).ToList(), store._resourceVersion.ToString(CultureInfo.InvariantCulture));
            }
        }

        /// <summary>Removes the CRD and every resource of it (each a DELETED event, its dependents collected).</summary>
        public Crd? RemoveCrd(string name)
        {
            lock (store._lock)
            {
                if (!_crds.Remove(name, out var crd))
                {
                    return null;
                }

                foreach (var key in _items.Keys.Where(k => k.StartsWith(name + "/", StringComparison.Ordinal)).ToList())
                {
                    Drop(crd, key);
                }

                return crd;
            }
        }

        public JsonObject Add(Crd crd, JsonObject item)
        {
            lock (store._lock)
            {
                var key = Key(crd, Meta(item, "namespace"), Meta(item, "name"));
                if (!_crds.ContainsKey(crd.Name))
                {
                    throw Statuses.NotFound(crd.Plural, Meta(item, "name"), crd.Group);
                }

                if (_items.ContainsKey(key))
                {
                    throw Statuses.AlreadyExists(crd.Plural, Meta(item, "name"), crd.Group);
                }

                item["metadata"]!["resourceVersion"] = store.Next();
                _items[key] = Copy(item);
                Publish("ADDED", crd, item);
                return Copy(item);
            }
        }

        public JsonObject? Get(Crd crd, string ns, string name)
        {
            lock (store._lock)
            {
                return _items.TryGetValue(Key(crd, ns, name), out var item) ? Copy(item) : null;
            }
        }

        public (List<JsonObject> Items, string ResourceVersion) List(Crd crd, string? ns)
        {
            lock (store._lock)
            {
                var items = _items.Where(kv => kv.Key.StartsWith(crd.Name + "/", StringComparison.Ordinal) && (ns is null || Meta(kv.Value, "namespace") == ns))
                    .Select(kv => Copy(kv.Value))
                    .OrderBy(i => Meta(i, "namespace"), StringComparer.Ordinal)
                    .ThenBy(i => Meta(i, "name"), StringComparer.Ordinal)
                    .ToList();
                return (items, store._resourceVersion.ToString(CultureInfo.InvariantCulture));
            }
        }

        /// <summary>
        /// Replaces the stored object by what <paramref name="change"/> makes of a copy of it (which may throw to refuse),
        /// under the lock so that a read-modify-write is atomic. An object being deleted whose finalizers are now empty is removed.
        /// </summary>
        public JsonObject Update(Crd crd, string ns, string name, Func<JsonObject, JsonObject> change)
        {
            lock (store._lock)
            {
                var key = Key(crd, ns, name);
                if (!_items.TryGetValue(key, out var stored))
                {
                    throw Statuses.NotFound(crd.Plural, name, crd.Group);
                }

                var updated = change(Copy(stored));
                if (JsonNode.DeepEquals(updated, stored))
                {
                    return updated;
                }

                updated["metadata"]!["resourceVersion"] = store.Next();
                if (updated["metadata"]?["deletionTimestamp"] is not null && Finalizers(updated) == 0)
                {
                    _items[key] = Copy(updated);
                    return Drop(crd, key);
                }

                _items[key] = Copy(updated);
                Publish("MODIFIED", crd, updated);
                return updated;
            }
        }

        /// <summary>
        /// Deletes as the API server does: an object with finalizers only gets its deletionTimestamp (MODIFIED) and stays;
        /// without, it is removed (DELETED). Returns the object and whether it is gone.
        /// </summary>
        public (JsonObject Object, bool Removed) Delete(Crd crd, string ns, string name)
        {
            lock (store._lock)
            {
                var key = Key(crd, ns, name);
                if (!_items.TryGetValue(key, out var stored))
                {
                    throw Statuses.NotFound(crd.Plural, name, crd.Group);
                }

                if (Finalizers(stored) == 0)
                {
                    return (Drop(crd, key), true);
                }

                if (stored["metadata"]!["deletionTimestamp"] is null)
                {
                    stored["metadata"]!["deletionTimestamp"] = Api.Now(DateTime.UtcNow);
                    stored["metadata"]!["deletionGracePeriodSeconds"] = 0;
                    stored["metadata"]!["resourceVersion"] = store.Next();
                    Publish("MODIFIED", crd, stored);
                }

                return (Copy(stored), false);
            }
        }

        public (Channel<ObjectEvent> Channel, List<ObjectEvent>? Backlog) Watch(long? since)
        {
            lock (store._lock)
            {
                List<ObjectEvent>? backlog;
                if (since is { } rv && rv < store._resourceVersion)
                {
                    backlog = rv < _compacted ? null : _history.Where(e => e.ResourceVersion > rv).ToList();
                }
                else if (since is not null)
                {
                    backlog = [];
                }
                else
                {
                    backlog = _items.Select(kv => new ObjectEvent(store._resourceVersion, "ADDED", kv.Key[..kv.Key.IndexOf('/', StringComparison.Ordinal)], Copy(kv.Value))).ToList();
                }

                var channel = Channel.CreateUnbounded<ObjectEvent>(new UnboundedChannelOptions { SingleReader = true });
                if (backlog is not null)
                {
                    _watchers.Add(channel);
                }

                return (channel, backlog);
            }
        }

        public void Unwatch(Channel<ObjectEvent> channel)
        {
            lock (store._lock)
            {
                _watchers.Remove(channel);
            }
        }

        public static string Meta(JsonObject item, string field) =>
            item["metadata"] is JsonObject metadata && metadata[field] is JsonValue v && v.TryGetValue<string>(out var text) ? text : string.Empty;

        private static int Finalizers(JsonObject item) => item["metadata"]?["finalizers"] is JsonArray { Count: > 0 } list ? list.Count : 0;

        private static JsonObject Copy(JsonObject item) => (JsonObject)item.DeepClone();

        private static string Key(Crd crd, string ns, string name) => crd.Name + "/" + ns + "/" + name;

        private JsonObject Drop(Crd crd, string key)
        {
            _items.Remove(key, out var item);
            item!["metadata"]!["resourceVersion"] = store.Next();
            Publish("DELETED", crd, item);
            store.CollectDependents(Meta(item, "namespace"), Meta(item, "uid"));
            return item;
        }

        private void Publish(string type, Crd crd, JsonObject item)
        {
            var e = new ObjectEvent(store._resourceVersion, type, crd.Name, Copy(item));
            _history.AddLast(e);
            while (_history.Count > store._historyLimit)
            {
                _compacted = _history.First!.Value.ResourceVersion;
                _history.RemoveFirst();
            }

            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryWrite(e);
            }
        }
    }
}
