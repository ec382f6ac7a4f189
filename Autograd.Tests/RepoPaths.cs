namespace Autograd.Tests;

/// <summary>The repository's root folder (the one holding AutogradMini.sln), for tests that run its samples and scripts.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AutogradMini.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("AutogradMini.sln not found above the test directory");
    }
}
