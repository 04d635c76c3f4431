# A base name starting with `.` leaves nothing before the first `.`.
{
  input = {
    module = "/srv/.hidden.nix";
    instances = { };
  };
  error = "module: cannot derive a service name from '/srv/.hidden.nix'";
}
