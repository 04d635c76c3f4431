# Given namespace/dataDir are passed through; the defaults fill in the rest.
{
  input = {
    service = "redis";
    instances = {
      cache = {
        enable = true;
        namespace = "storage";
        dataDir = "/var/lib/redis-cache";
        outputs.settings.processes.redis-cache.command = "redis-server";
      };
      queue = {
        enable = true;
        dataDir = "./state/queue";
        outputs.settings.processes.redis-queue.command = "redis-server";
      };
    };
  };
  expect = {
    service = "redis";
    enabled = [ "cache" "queue" ];
    instances = {
      cache = { name = "cache"; enable = true; namespace = "storage"; dataDir = "/var/lib/redis-cache"; };
      queue = { name = "queue"; enable = true; namespace = "redis.queue"; dataDir = "./state/queue"; };
    };
    settings = [
      { processes.redis-cache.command = "redis-server"; }
      { processes.redis-queue.command = "redis-server"; }
    ];
    processes = { redis-cache = "cache"; redis-queue = "queue"; };
  };
}
