from snf_common.django.manage import run


def main() -> None:
    run("cyclades.project.settings")


if __name__ == "__main__":
    main()
