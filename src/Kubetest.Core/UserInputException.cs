namespace Kubetest;

/// <summary>
/// Everything the user can fix themselves: a bad manifest, a missing file, an unreachable
/// cluster. Caught once at the top and printed as one clean line with exit code 3.
/// </summary>
public class UserInputException : Exception
{
    public UserInputException(string message)
        : base(message)
    {
    }

    public UserInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public UserInputException()
    {
    }
}
