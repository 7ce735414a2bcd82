Console.WriteLine("Laevitas.Client: not yet implemented");
return 1;
