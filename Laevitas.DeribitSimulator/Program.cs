Console.WriteLine("Laevitas.DeribitSimulator: not yet implemented");
return 1;
