namespace Kubetest.Reporting;

/// <summary>Hands every event to each of several observers, in order.</summary>
public sealed class Observers(params IRunObserver[] observers) : IRunObserver
{
    public void On(RunEvent runEvent)
    {
        foreach (var observer in observers)
        {
            observer.On(runEvent);
        }
    }
}
