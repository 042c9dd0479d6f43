"""Networks, subnets, ports, IP addresses, per-backend networks and the allocation pools."""

from __future__ import annotations

from django.db import models

FLAVORS = ("IP_LESS_ROUTED", "MAC_FILTERED", "PHYSICAL_VLAN", "CUSTOM")
NETWORK_STATES = ("BUILD", "ACTIVE", "DOWN", "ERROR")
PORT_STATES = ("BUILD", "ACTIVE", "DOWN", "ERROR")
BACKEND_STATES = ("PENDING", "ACTIVE", "DELETING", "ERROR")


class Network(models.Model):
    """A layer-2 network; its flavor fixes the Ganeti NIC parameters of every port on it."""

    name = models.CharField(max_length=255, blank=True, default="")
    owner = models.CharField(max_length=64, blank=True, default="", db_index=True)  # '' = admin
    project = models.CharField(max_length=64, blank=True, default="")
    flavor = models.CharField(max_length=32, default="MAC_FILTERED")
    mode = models.CharField(max_length=16, default="bridged")
    link = models.CharField(max_length=128, blank=True, default="")
    mac_prefix = models.CharField(max_length=16, blank=True, default="")
    tags = models.JSONField(default=list)
    public = models.BooleanField(default=False)          # router:external
    shared = models.BooleanField(default=False)
    floating_ip_pool = models.BooleanField(default=False)
    admin_state_up = models.BooleanField(default=True)
    status = models.CharField(max_length=16, default="ACTIVE")
    # The pools this network took a value from (released on delete).
    pooled_link = models.BooleanField(default=False)
    pooled_mac_prefix = models.BooleanField(default=False)
    quota_charged = models.BooleanField(default=False)   # cyclades.network.private held
    deleted = models.BooleanField(default=False, db_index=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"network {self.id}"


class Subnet(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="subnets")
    name = models.CharField(max_length=255, blank=True, default="")
    ip_version = models.PositiveSmallIntegerField(default=4)
    cidr = models.CharField(max_length=64)
    gateway = models.CharField(max_length=64, blank=True, default="")
    dhcp = models.BooleanField(default=True)
    dns_nameservers = models.JSONField(default=list)
    host_routes = models.JSONField(default=list)
    ipv6_address_mode = models.CharField(max_length=16, blank=True, default="")
    ipv6_ra_mode = models.CharField(max_length=16, blank=True, default="")
    deleted = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]


class Pool(models.Model):
    """A range of values handed out one at a time: IPs of a subnet, MAC prefixes, bridges.

    `available` and `reserved` are strings with one character per value ('1' =
    free / reserved). Allocation locks the row (SELECT ... FOR UPDATE), so two
    transactions never hand out the same value.
    """

    KINDS = ("ip", "mac_prefix", "bridge")
    kind = models.CharField(max_length=16)
    subnet = models.ForeignKey(Subnet, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="pools")
    base = models.CharField(max_length=64)      # ip: first address; mac: first prefix; bridge: name stem
    offset = models.IntegerField(default=0)     # bridge/mac: index of the first value
    size = models.PositiveIntegerField()
    available = models.TextField()
    reserved = models.TextField()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(
            fields=["kind"], condition=models.Q(subnet__isnull=True),
            name="one_global_pool_per_kind")]


class BackendNetwork(models.Model):
    """A network as created on one Ganeti backend (lazily, when a server there needs it)."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="backends")
    backend = models.ForeignKey("backends.Backend", on_delete=models.CASCADE,
                                related_name="networks")
    operstate = models.CharField(max_length=16, default="PENDING")
    job_ids = models.JSONField(default=list)
    backend_time = models.DateTimeField(null=True, blank=True)
    log_msg = models.TextField(blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["network", "backend"],
                                               name="unique_backend_network")]


class Port(models.Model):
    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="ports")
    owner = models.CharField(max_length=64, db_index=True)
    project = models.CharField(max_length=64, blank=True, default="")
    name = models.CharField(max_length=255, blank=True, default="")
    server = models.ForeignKey("compute.Server", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="ports")
    device_owner = models.CharField(max_length=64, blank=True, default="")
    mac = models.CharField(max_length=32, null=True, blank=True, unique=True)
    security_groups = models.JSONField(default=list)
    status = models.CharField(max_length=16, default="DOWN")
    nic_name = models.CharField(max_length=128, blank=True, default="")
    # "" or what a submitted NIC job will do to it when Ganeti confirms: detach / delete.
    pending = models.CharField(max_length=16, blank=True, default="")
    job_id = models.BigIntegerField(null=True, blank=True)    # the NIC job it waits for
    # Created by a server create (removed with the server) rather than by POST /ports.
    auto = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]


class IPAddress(models.Model):
    """One address taken from a subnet: a port's fixed IP or a floating IP."""

    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="addresses")
    subnet = models.ForeignKey(Subnet, on_delete=models.PROTECT, related_name="addresses")
    port = models.ForeignKey(Port, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="addresses")
    owner = models.CharField(max_length=64, db_index=True)
    project = models.CharField(max_length=64, blank=True, default="")
    address = models.CharField(max_length=64)
    ip_version = models.PositiveSmallIntegerField(default=4)
    floating_ip = models.BooleanField(default=False)
    pooled = models.BooleanField(default=True)     # taken from a Pool (False: IPv6 SLAAC)
    # A floating IP associated with a port: the port the client named.
    target_port = models.ForeignKey(Port, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["subnet", "address"],
                                               name="unique_subnet_address")]
